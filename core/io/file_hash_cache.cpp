#include "core/io/file_hash_cache.h"

#include <sys/stat.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/io/atomic_file.h"
#include "core/io/json_file.h"
#include "core/io/sha256.h"

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

json read_cache(const fs::path& file) {
  try {
    json j = read_json_file(file.string(), JsonLimits{4u << 20, 8});
    if (j.is_object() && j.value("version", 0) == 1 && j.contains("files") && j["files"].is_object()) return j;
  } catch (const std::exception&) {  // missing or corrupt: start over
  }
  return json{{"version", 1}, {"files", json::object()}};
}

void write_cache(const fs::path& file, const json& cache) {
  try {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    AtomicFileWriter out(file.string());  // concurrent writers (the ranks of one job) each rename whole files
    const std::string text = cache.dump(1);
    out.write(text.data(), text.size());
    out.commit();
  } catch (const std::exception&) {  // read-only home, full disk: hash again next time
  }
}

}  // namespace

fs::path file_hash_cache_path() {
  const char* dir = std::getenv("DRIFFUSION_CACHE_DIR");
  if (dir && *dir) return fs::path(dir) / "file-hashes.json";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return fs::path(xdg) / "driffusion" / "file-hashes.json";
  const char* home = std::getenv("HOME");
  if (home && *home) return fs::path(home) / ".cache" / "driffusion" / "file-hashes.json";
  return {};
}

std::string cached_sha256_file_hex(const std::string& path,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const fs::path cache_file = file_hash_cache_path();
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  const json before = identity(path);
  if (cache_file.empty() || ec || before.is_null()) return sha256_file_hex(path, progress);
  const std::string key = real.string();
  json cache = read_cache(cache_file);
  const json& files = cache["files"];
  if (files.contains(key) && files[key].is_object()) {
    const json& e = files[key];
    if (is_sha256_hex(e.value("sha256", json())) && e.value("identity", json()) == before)
      return e["sha256"].get<std::string>();
  }
  const std::string hex = sha256_file_hex(path, progress);
  if (identity(path) != before) return hex;  // changed while being hashed: do not remember it
  cache = read_cache(cache_file);  // another process may have added entries meanwhile
  if (cache["files"].size() >= kMaxEntries) cache["files"] = json::object();
  cache["files"][key] = json{{"sha256", hex}, {"identity", before}};
  write_cache(cache_file, cache);
  return hex;
}

}  // namespace drf
