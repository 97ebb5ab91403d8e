// Writing files so that nothing is ever half-written or overwritten: a temporary file in the
// target folder (same file system, so the final rename is atomic), fsync, then a rename that
// refuses to replace an existing name.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "core/image/image_file.h"
#include "core/util/errors.h"

namespace drf {
namespace {

namespace fs = std::filesystem;

std::string os_error(int err) { return std::strerror(err); }

void ensure_folder(const fs::path& folder) {
  std::error_code ec;
  const auto st = fs::status(folder, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw IoError("cannot write into '" + folder.string() + "': it is not a folder");
    return;
  }
  fs::create_directories(folder, ec);
  if (ec) throw IoError("cannot create folder '" + folder.string() + "': " + ec.message());
}

std::string random_tag() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32)};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

void fsync_path(const fs::path& path, int flags, const fs::path& display) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot write '" + display.string() + "': " + os_error(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS)  // EINVAL: the file system does not sync (e.g. some FUSE)
    throw IoError("cannot write '" + display.string() + "': " + os_error(err));
}

// Renames `from` to `to` unless `to` exists. Returns false when it exists.
bool rename_no_replace(const fs::path& from, const fs::path& to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    throw IoError("cannot write '" + to.string() + "': " + os_error(errno));
#endif
  // Kernels or file systems without RENAME_NOREPLACE: a hard link also refuses existing names.
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return true;
  }
  if (errno == EEXIST) return false;
  if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != EMLINK)
    throw IoError("cannot write '" + to.string() + "': " + os_error(errno));
  // No hard links either (FAT, some network shares): check, then rename.
  std::error_code ec;
  if (fs::exists(fs::symlink_status(to, ec))) return false;
  if (std::rename(from.c_str(), to.c_str()) != 0) throw IoError("cannot write '" + to.string() + "': " + os_error(errno));
  return true;
}

}  // namespace

TempFile::TempFile(const fs::path& folder_in, const std::string& extension) {
  const fs::path folder = folder_in.empty() ? fs::path(".") : folder_in;
  ensure_folder(folder);
  for (int attempt = 0; attempt < 16; ++attempt) {
    fs::path candidate = folder / (".driffusion-" + random_tag() + ".tmp" + extension);
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      path_ = std::move(candidate);
      return;
    }
    if (errno != EEXIST) throw IoError("cannot write into folder '" + folder.string() + "': " + os_error(errno));
  }
  throw IoError("cannot create a temporary file in '" + folder.string() + "'");
}

TempFile::~TempFile() {
  if (!committed_ && !path_.empty()) ::unlink(path_.c_str());
}

bool TempFile::commit(const fs::path& target) {
  if (committed_) throw IoError("internal: temporary file committed twice");
  fsync_path(path_, O_RDONLY, target);
  if (!rename_no_replace(path_, target)) return false;
  committed_ = true;
  // Make the new directory entry durable too; failure here loses nothing already written.
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

void write_file_atomically(const fs::path& path, const std::function<void(const fs::path& temp)>& writer) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)))
    throw IoError("'" + path.string() + "' already exists (files are never overwritten)");
  TempFile temp(path.parent_path(), path.extension().string());
  writer(temp.path());
  if (!temp.commit(path)) throw IoError("'" + path.string() + "' already exists (files are never overwritten)");
}

int next_image_number(const fs::path& folder) {
  std::error_code ec;
  int next = 0;
  fs::directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::size_t digits = 0;
    while (digits < name.size() && digits < 10 && name[digits] >= '0' && name[digits] <= '9') ++digits;
    if (digits == 0 || digits > 9 || digits >= name.size() || name[digits] != '-') continue;
    next = std::max(next, std::stoi(name.substr(0, digits)) + 1);
  }
  return next;
}

std::string numbered_file_name(int number, const std::string& stem, ImageFormat format) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%05d", number);
  return std::string(prefix) + "-" + stem + image_format_extension(format);
}

}  // namespace drf
