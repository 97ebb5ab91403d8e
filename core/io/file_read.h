// Opening untrusted files safely: only regular files (a FIFO or device would block or never
// end), a size cap checked before and while reading, and errors that name the file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace drf {

// Opens `path` read-only; throws InputError for a missing file, a directory or anything that is
// not a regular file. `what` names the expected content ("JSON file", "safetensors file").
// Returns the descriptor (caller closes) and the file size in *size.
int open_regular_file(const std::string& path, const char* what, std::uint64_t* size);

// The whole file, refused with InputError when larger than max_bytes.
std::string read_file_capped(const std::string& path, std::size_t max_bytes, const char* what);

std::string format_bytes(std::uint64_t bytes);  // "16 MB", "812 bytes"

}  // namespace drf
