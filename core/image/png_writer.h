// An 8-bit RGB PNG encoder on zlib, so that builds without OpenImageIO (the headless GPU build,
// server builds) still write .png with the A1111 infotext and the settings JSON. The text chunks
// are the ones the OpenImageIO path adds (png_text_chunks.h: "parameters" and
// "driffusion-settings", tEXt for ASCII, uncompressed UTF-8 iTXt otherwise), right after IHDR.
// Compiled with zlib only when CMake found it (core/CMakeLists.txt); without it
// builtin_png_writer_available() is false and the build writes PPM only, as before.
#pragma once
#include <filesystem>
#include <string>

#include "core/engine/events.h"
#include "core/image/png_text_chunks.h"

namespace drf {

// Whether this build has the encoder (zlib was found when it was configured).
bool builtin_png_writer_available();

// The whole PNG file: signature, IHDR (8-bit RGB, not interlaced), the text chunks, IDAT
// (zlib, each row with the filter of smallest absolute sum, as libpng chooses), IEND. UsageError
// for an empty image, a buffer that does not match its size, a bad keyword, or no zlib.
std::string encode_png_rgb8(const RgbImage& image, const TextEntries& entries);

// Writes encode_png_rgb8() to `path` (the temporary file of write_file_atomically, which it
// truncates); IoError naming `display_path` and the OS error when writing fails.
void write_png_rgb8(const std::filesystem::path& path, const RgbImage& image, const TextEntries& entries,
                    const std::filesystem::path& display_path);

}  // namespace drf
