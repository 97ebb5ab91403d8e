#include "core/io/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace drf {
namespace {

// nftw's callback takes no user pointer: the first failure is kept per thread.
thread_local int first_error = 0;

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  // FTW_DEPTH visits a folder after its contents; FTW_DNR (unreadable folder) still gets a try.
  const int rc = (type == FTW_DP || type == FTW_DNR) ? ::rmdir(path) : ::unlink(path);
  if (rc != 0 && errno != ENOENT && first_error == 0) first_error = errno;
  return 0;  // go on: remove what can be removed, as remove_all does
}

}  // namespace

bool remove_tree(const std::filesystem::path& path, std::error_code& ec) noexcept {
  ec.clear();
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    ec.assign(errno, std::generic_category());
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return true;
    ec.assign(errno, std::generic_category());
    return false;
  }
  first_error = 0;
  // 16 open folders at most at a time; FTW_PHYS: never follow a link; FTW_MOUNT: stay on this file system.
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0 && first_error == 0)
    first_error = errno != 0 ? errno : EIO;
  if (first_error != 0) {
    ec.assign(first_error, std::generic_category());
    return false;
  }
  return true;
}

void remove_tree(const std::filesystem::path& path) {
  std::error_code ec;
  if (!remove_tree(path, ec)) throw std::filesystem::filesystem_error("cannot remove", path, ec);
}

}  // namespace drf
