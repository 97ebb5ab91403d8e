// Image files with generation metadata, written safely. Plain C++ (ui/ uses it directly).
//
// Formats: PNG 8/16-bit, TIFF 8/16-bit and float EXR through OpenImageIO; binary PPM always
// (builds without OpenImageIO, e.g. the headless GPU build, write PPM and, with zlib, 8-bit PNG
// through png_writer.h; they read back only PPM pixels).
// Metadata: PNG  - tEXt/iTXt chunks "parameters" (A1111 infotext) and "driffusion-settings" (JSON);
//           TIFF - ImageDescription = infotext, DocumentName = settings JSON (the only free-text
//                  tags OpenImageIO keeps in TIFF);
//           EXR  - string attributes "parameters" and "driffusion-settings";
//           PPM  - header comments "# parameters: <JSON string>" and "# driffusion-settings: <JSON>".
// Safe writing: a temporary file in the target folder, flushed to disk, then renamed into place
// with a rename that refuses to replace an existing file. Failures throw IoError naming the
// path and the OS error and leave nothing behind.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/events.h"

namespace drf {

enum class ImageFormat { Png8, Png16, Tiff8, Tiff16, Exr, Ppm };

// "png", "png16", "tiff", "tiff16", "exr", "ppm" (case-insensitive); UsageError otherwise.
ImageFormat parse_image_format(const std::string& name);
const char* image_format_name(ImageFormat format);
const char* image_format_extension(ImageFormat format);  // ".png", ".tif", ".exr", ".ppm"
// The 8-bit format for a file name's extension (.png .tif .tiff .exr .ppm), if it has one.
std::optional<ImageFormat> image_format_for_path(const std::filesystem::path& path);
// Whether this build can write the format (everything but PPM and 8-bit PNG needs OpenImageIO;
// 8-bit PNG without it needs zlib).
bool image_format_available(ImageFormat format);
// "this build has no OpenImageIO: only 8-bit .png and .ppm output (asked for png16)" (or "only
// .ppm output" without zlib): the UsageError text for a format this build cannot write.
std::string missing_image_format_message(ImageFormat format);
ImageFormat default_image_format();  // PNG with OpenImageIO, PPM without
bool have_openimageio();

struct ImageMetadata {
  std::string parameters;     // A1111 infotext
  std::string settings_json;  // complete settings (core/image/settings_json.h)
  // Further text entries (e.g. "Comment" on a difference map); PNG tEXt/iTXt chunks, EXR
  // attributes, PPM comments; in TIFF only "Comment" is kept (as ImageDescription when there
  // is no infotext).
  std::vector<std::pair<std::string, std::string>> extra;
  bool empty() const { return parameters.empty() && settings_json.empty() && extra.empty(); }
};

// What to write. image_float (HWC floats in [0,1], the same display-encoded values as `image`)
// feeds the 16-bit and EXR formats; when empty they are made from the 8-bit pixels. EXR holds
// linear light: the sRGB transfer curve is removed before writing.
struct ImageData {
  const RgbImage& image;
  const std::vector<float>& image_float;
};

// A temporary file in the target folder that is removed unless committed. The folder is
// created when missing.
class TempFile {
 public:
  TempFile(const std::filesystem::path& folder, const std::string& extension);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Flushes the file to disk and renames it to `target` (same folder) unless `target` exists.
  // Returns false (temp file kept for another try) when `target` exists; throws IoError on
  // any other failure.
  bool commit(const std::filesystem::path& target);

 private:
  std::filesystem::path path_;
  bool committed_ = false;
};

// Runs `writer(temp_path)` and moves the result to `path`; IoError when `path` exists (never
// overwritten) or anything fails, and no temporary file is left behind either way.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const std::filesystem::path& temp)>& writer);

// Writes exactly `path` (IoError when it exists). UsageError for a format this build lacks.
void write_image_file(const std::filesystem::path& path, const ImageData& data, ImageFormat format,
                      const ImageMetadata& metadata);

struct NumberedImage {
  std::filesystem::path path;
  int number = 0;
};
// Writes "<folder>/<NNNNN>-<stem><ext>" under the next free number (e.g. "00042-1234.png"),
// retrying with the next number when another writer takes it first.
NumberedImage write_image_numbered(const std::filesystem::path& folder, const std::string& stem, const ImageData& data,
                                   ImageFormat format, const ImageMetadata& metadata);
// One more than the largest "NNNNN-" prefix in the folder; 0 for an empty or missing folder.
int next_image_number(const std::filesystem::path& folder);
std::string numbered_file_name(int number, const std::string& stem, ImageFormat format);

// Metadata of an image file (any of the formats above; PNG text chunks written by other tools
// too). InputError when the file cannot be read.
ImageMetadata read_image_metadata(const std::filesystem::path& path);
// Pixels as 8-bit RGB (16-bit rounded, EXR converted back to sRGB). InputError when unreadable.
RgbImage read_image_rgb8(const std::filesystem::path& path);

}  // namespace drf
