#include "core/util/resource_paths.h"

#include <cstdlib>
#include <system_error>

#include "core/util/errors.h"

namespace drf {
namespace fs = std::filesystem;

namespace {

bool is_resource_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kResourceMarkerFile, ec);
}

}  // namespace

fs::path resource_dir_for(const fs::path& executable, const char* override_dir) {
  if (override_dir != nullptr && *override_dir != '\0') {
    const fs::path dir(override_dir);
    std::error_code ec;
    // An explicit override is trusted without the marker (it may point at a hand-made folder), but
    // it must be a folder: silently falling back would hide the user's mistake.
    if (!fs::is_directory(dir, ec)) {
      throw InputError(std::string(kResourceDirEnv) + " is set to '" + dir.string() + "', which is not a folder");
    }
    return dir;
  }
  std::error_code ec;
  // Resolve a symlinked launcher (e.g. /usr/local/bin/driffusion -> /opt/driffusion/bin/driffusion)
  // to the real binary, whose neighbours are the resources.
  fs::path real = fs::weakly_canonical(executable, ec);
  if (ec) real = executable;
  const fs::path bin_dir = real.parent_path();
  const fs::path candidate = (bin_dir / ".." / "share" / "driffusion").lexically_normal();
  if (is_resource_folder(candidate)) return candidate;
  throw InputError("cannot find the DRiffusion resource folder: looked for " + (candidate / kResourceMarkerFile).string() +
                   " next to the program " + real.string() +
                   " (the package or archive is incomplete, or the binary was moved without its share/ folder); set " +
                   kResourceDirEnv + " to the folder that holds " + kResourceMarkerFile);
}

fs::path running_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) {
    throw InputError("cannot locate the running program through /proc/self/exe (" + ec.message() + "); set " +
                     kResourceDirEnv + " to the resource folder");
  }
  return exe;
}

const fs::path& resource_dir() {
  // Computed once: the environment and the binary's place do not change while it runs. A throw
  // leaves the static uninitialised, so a later call reports the same error again.
  static const fs::path dir = resource_dir_for(running_executable(), std::getenv(kResourceDirEnv));
  return dir;
}

fs::path resource_path(const std::string& relative) {
  const fs::path path = resource_dir() / relative;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError("missing resource " + path.string() + " (resource folder " + resource_dir().string() + ")");
  }
  return path;
}

}  // namespace drf
