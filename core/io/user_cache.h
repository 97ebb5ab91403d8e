// The user's cache folder and its small JSON files: what one run learns slowly and the next may
// reuse (file hashes, file_hash_cache.h; the fastest GEMM algorithm per shape, gpu/). Every file
// is {"version": 1, "<section>": {...}}; a missing, unreadable or corrupt one reads as empty, and
// one that cannot be written (read-only home, full disk) only costs the next run the work again.
// Writers replace whole files (atomic rename), so the ranks of one job may write at once.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace drf {

// $DRIFFUSION_CACHE_DIR, else $XDG_CACHE_HOME/driffusion, else $HOME/.cache/driffusion; empty
// when none of these is set.
std::filesystem::path user_cache_dir();

// The file's JSON when it holds version 1 and an object `section`, else a fresh one.
nlohmann::json read_user_cache(const std::filesystem::path& file, const std::string& section);
// Never throws: a cache that cannot be written is skipped.
void write_user_cache(const std::filesystem::path& file, const nlohmann::json& cache);

}  // namespace drf
