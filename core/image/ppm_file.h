// Binary PPM (P6), the one format every build can write (the headless GPU build has no
// OpenImageIO). Metadata rides in header comments, one entry per line:
//   # parameters: "<infotext as a JSON string>"
//   # driffusion-settings: {...}
// Values with control characters (or starting with a quote) are written as JSON strings.
#pragma once
#include <filesystem>
#include <string>

#include "core/image/image_file.h"

namespace drf {

// Throws IoError naming `display_path` (the final file name) on failure.
void write_ppm(const std::filesystem::path& path, const RgbImage& image, const ImageMetadata& metadata,
               const std::filesystem::path& display_path);
// Throws InputError for malformed or truncated files; `metadata` may be null.
RgbImage read_ppm(const std::filesystem::path& path, ImageMetadata* metadata);
// The same on bytes in memory (fuzzable).
RgbImage parse_ppm(const std::string& bytes, ImageMetadata* metadata, const std::string& name = "PPM data");

}  // namespace drf
