// The OpenImageIO side of image_file.cpp (image_file_oiio.cpp); builds without OpenImageIO get
// image_file_no_oiio.cpp, which refuses every format but PPM with a clear message.
#pragma once
#include <filesystem>

#include "core/image/image_file.h"

namespace drf {

// Writes PNG 8/16, TIFF 8/16 or EXR pixels to `path` (a temporary file) with the metadata as
// TIFF/EXR attributes; PNG text chunks are added by the caller. IoError names display_path.
void oiio_write_image(const std::filesystem::path& path, const ImageData& data, ImageFormat format,
                      const ImageMetadata& metadata, const std::filesystem::path& display_path);
RgbImage oiio_read_rgb8(const std::filesystem::path& path);
ImageMetadata oiio_read_metadata(const std::filesystem::path& path);

// The message for a format this build cannot handle.
inline constexpr const char* kNoOiioMessage = "this build has no OpenImageIO: only .ppm output";

}  // namespace drf
