// Writing results as image files with their metadata (A1111 infotext + complete settings
// JSON), through core/image/image_file.h: numbered files in the output folder, or one chosen
// path for "Save as...". Every function throws drf::Error (IoError, UsageError) on failure
// and leaves no partial file.
#pragma once
#include <QString>

#include "core/engine/result.h"
#include "core/image/image_file.h"

namespace drf::ui {

QString appVersion();  // "DRiffusion Studio 0.1.0"
ImageMetadata metadataFor(const GenerationResult& result, double measuredSpeedup = 0);

// "<folder>/<NNNNN>-<stem>.png" (the next free number); returns the path written.
QString saveNumbered(const GenerationResult& result, const QString& folder, const QString& stem,
                     double measuredSpeedup = 0);
// A plain image (a difference heat map) with a comment, numbered like the results.
QString saveNumberedPlain(const RgbImage& image, const QString& folder, const QString& stem, const QString& comment);
// Exactly `path`; the format follows the extension (.png .tif .tiff .exr .ppm; PNG otherwise).
void saveAs(const GenerationResult& result, const QString& path, double measuredSpeedup = 0);

// Small images (the built-in model's 64x64) are also saved enlarged for viewing: every pixel
// becomes a factor x factor block (nearest neighbour, no invented detail). The settings stay
// those of the generated size (restoring such a file makes the original image again); a
// Comment says it was enlarged.
inline constexpr int kViewingUpscale = 4;
// Images whose longer side is below this are "small": the automatic upscaled copy is made for them.
inline constexpr int kSmallImageSide = 256;
RgbImage upscaledNearest(const RgbImage& image, int factor);
bool isSmallImage(const RgbImage& image);
// Exactly `path` (8-bit formats: .png .tif .tiff .ppm; PNG otherwise), `factor` times larger.
void saveUpscaledAs(const GenerationResult& result, const QString& path, int factor, double measuredSpeedup = 0);
// "<folder>/upscaled/<name of savedPath>-4x.png" (the folder is made; an existing file is replaced
// by the copy of this image); returns the path written. The upscaled/ sub-folder keeps the copies
// out of the output folder's gallery.
QString saveUpscaledCopy(const GenerationResult& result, const QString& savedPath, int factor, double measuredSpeedup = 0);

}  // namespace drf::ui
