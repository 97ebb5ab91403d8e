// A file's SHA-256, remembered across runs as AUTOMATIC1111 keeps its cache.json: hashing a 6.9 GB
// SDXL checkpoint took ~29 s of one core before every first image (the "Model hash" of the
// image's metadata, and the check that every rank of a distributed job loaded the same file).
// Entries are keyed by the file's real path and hold its size, modification time (ns), inode and
// device; a file that changed in any of them is hashed again. A missing, unreadable or corrupt
// cache is rebuilt; one that cannot be written only costs the next run the hashing again.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace drf {

// user_cache_dir() (core/io/user_cache.h) / "file-hashes.json"; empty when it has none.
std::filesystem::path file_hash_cache_path();

// The 64 hex digits of the file's SHA-256, from the cache when the file is unchanged. Throws
// InputError naming the file when it cannot be read. `progress(done, total)` is called while the
// file is hashed and may throw to stop (sha256.h).
std::string cached_sha256_file_hex(const std::string& path,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace drf
