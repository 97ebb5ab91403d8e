// PNG text chunks, handled directly rather than through OpenImageIO: OIIO writes every text as
// tEXt (Latin-1 by the PNG spec) even when it is UTF-8, which other tools then show garbled.
// Here ASCII text goes to tEXt and anything else to an uncompressed UTF-8 iTXt chunk, as
// AUTOMATIC1111 (through Pillow) does. Plain C++, bounds-checked: PNG files are untrusted.
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace drf {

using TextEntries = std::vector<std::pair<std::string, std::string>>;

// Rewrites the PNG file at `path` with the entries inserted right after IHDR. Keywords must be
// 1-79 printable Latin-1 characters. Throws IoError (write failure) or InputError (not a PNG).
void add_png_text_chunks(const std::filesystem::path& path, const TextEntries& entries);

struct PngText {
  TextEntries entries;            // tEXt (Latin-1 -> UTF-8) and uncompressed iTXt, in file order
  bool has_compressed = false;    // zTXt or compressed iTXt chunks were present (not decoded here)
};
// Reads the text chunks of a PNG file; InputError when it is not a readable PNG.
PngText read_png_text_chunks(const std::filesystem::path& path);

// The same on bytes in memory (fuzzable).
TextEntries parse_png_text_chunks(const std::string& bytes, bool* has_compressed = nullptr);
std::string png_with_text_chunks(const std::string& png_bytes, const TextEntries& entries);
// Writes `bytes` to `path` (created or truncated) with write(2), so the OS error is the one
// reported; IoError names `display_path` (the target when `path` is a temporary file).
void write_png_file(const std::filesystem::path& path, const std::string& bytes,
                    const std::filesystem::path& display_path);

}  // namespace drf
