#include "core/io/file_hash_cache.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "core/io/sha256.h"
#include "core/io/user_cache.h"

namespace drf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxEntries = 512;  // a cache that grew past this starts over

// What identifies one version of a file: a rewrite changes the size, the time or the inode.
json identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  const std::int64_t mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return json{{"size", static_cast<std::int64_t>(st.st_size)},
              {"mtime_ns", mtime_ns},
              {"inode", static_cast<std::uint64_t>(st.st_ino)},
              {"device", static_cast<std::uint64_t>(st.st_dev)}};
}

bool is_sha256_hex(const json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

fs::path file_hash_cache_path() {
  const fs::path dir = user_cache_dir();
  return dir.empty() ? fs::path() : dir / "file-hashes.json";
}

std::string cached_sha256_file_hex(const std::string& path,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const fs::path cache_file = file_hash_cache_path();
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  const json before = identity(path);
  if (cache_file.empty() || ec || before.is_null()) return sha256_file_hex(path, progress);
  const std::string key = real.string();
  json cache = read_user_cache(cache_file, "files");
  const json& files = cache["files"];
  if (files.contains(key) && files[key].is_object()) {
    const json& e = files[key];
    if (is_sha256_hex(e.value("sha256", json())) && e.value("identity", json()) == before)
      return e["sha256"].get<std::string>();
  }
  const std::string hex = sha256_file_hex(path, progress);
  if (identity(path) != before) return hex;  // changed while being hashed: do not remember it
  cache = read_user_cache(cache_file, "files");  // another process may have added entries meanwhile
  if (cache["files"].size() >= kMaxEntries) cache["files"] = json::object();
  cache["files"][key] = json{{"sha256", hex}, {"identity", before}};
  write_user_cache(cache_file, cache);  // the ranks of one job each rename whole files
  return hex;
}

}  // namespace drf
