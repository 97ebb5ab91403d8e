#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/util/errors.h"

namespace drf {
namespace {

std::string temp_name_for(const std::string& path, int attempt) {
  static std::atomic<unsigned> counter{0};
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(attempt);
}

IoError io_error(const std::string& path, const char* action, int err) {
  return IoError(path + ": cannot " + action + ": " + std::strerror(err));
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(const std::string& path) : path_(path) {
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temp_path_ = temp_name_for(path, attempt);
    // 0666 filtered by the umask, like any ordinary new file; O_EXCL never reuses a name.
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) throw io_error(path, "create a file in its folder", errno);
  }
  if (fd_ < 0) throw io_error(path, "create a temporary file", EEXIST);
}

AtomicFileWriter::~AtomicFileWriter() {
  discard();
}

void AtomicFileWriter::discard() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_path_.c_str());
    fd_ = -1;
  }
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw IoError(path_ + ": write after commit or failure");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      discard();
      throw io_error(path_, "write", err);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) throw IoError(path_ + ": commit after commit or failure");
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    fd_ = -1;
    throw io_error(path_, "flush the file to disk", err);
  }
  fd_ = -1;
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    throw io_error(path_, "replace the file", err);
  }
}

}  // namespace drf
