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

}  // namespace drf::ui
