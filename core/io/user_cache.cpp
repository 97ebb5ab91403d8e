#include "core/io/user_cache.h"

#include <cstdlib>

#include "core/io/atomic_file.h"
#include "core/io/json_file.h"

namespace drf {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path user_cache_dir() {
  const char* dir = std::getenv("DRIFFUSION_CACHE_DIR");
  if (dir && *dir) return fs::path(dir);
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return fs::path(xdg) / "driffusion";
  const char* home = std::getenv("HOME");
  if (home && *home) return fs::path(home) / ".cache" / "driffusion";
  return {};
}

json read_user_cache(const fs::path& file, const std::string& section) {
  try {
    json j = read_json_file(file.string(), JsonLimits{4u << 20, 8});
    if (j.is_object() && j.value("version", 0) == 1 && j.contains(section) && j[section].is_object()) return j;
  } catch (const std::exception&) {  // missing or corrupt: start over
  }
  return json{{"version", 1}, {section, json::object()}};
}

void write_user_cache(const fs::path& file, const json& cache) {
  try {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    AtomicFileWriter out(file.string());
    const std::string text = cache.dump(1);
    out.write(text.data(), text.size());
    out.commit();
  } catch (const std::exception&) {  // read-only home, full disk: the work again next time
  }
}

}  // namespace drf
