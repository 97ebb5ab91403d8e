// The OpenImageIO side of image_file.cpp (image_file_oiio.cpp); builds without OpenImageIO get
// image_file_no_oiio.cpp, which refuses every format but PPM with a clear message (8-bit PNG is
// then written by png_writer.h when zlib is there).
#pragma once
#include <filesystem>
#include <string>

#include "core/image/image_file.h"

namespace drf {

// Writes PNG 8/16, TIFF 8/16 or EXR pixels to `path` (a temporary file) with the metadata as
// TIFF/EXR attributes; PNG text chunks are added by the caller. IoError names display_path.
void oiio_write_image(const std::filesystem::path& path, const ImageData& data, ImageFormat format,
                      const ImageMetadata& metadata, const std::filesystem::path& display_path);
RgbImage oiio_read_rgb8(const std::filesystem::path& path);
ImageMetadata oiio_read_metadata(const std::filesystem::path& path);

// Which encoder writes a format, given what the build has. Pure, so that the choice a build
// without OpenImageIO makes (8-bit PNG through the zlib writer of png_writer.h) is tested in
// every build. None: the format cannot be written.
enum class ImageEncoder { Ppm, BuiltinPng, OpenImageIO, None };
ImageEncoder image_encoder_for(ImageFormat format, bool have_oiio, bool have_builtin_png);
ImageEncoder image_encoder_for(ImageFormat format);  // for this build

// The message for reading image pixels or non-PNG metadata in a build without OpenImageIO.
inline constexpr const char* kNoOiioInputMessage = "this build has no OpenImageIO: only .ppm images are read";

}  // namespace drf
