#include "core/io/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/util/errors.h"

namespace drf {

std::string format_bytes(std::uint64_t bytes) {
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MB";
  return std::to_string(bytes) + " bytes";
}

int open_regular_file(const std::string& path, const char* what, std::uint64_t* size) {
  // O_NONBLOCK so that opening a FIFO cannot hang; it has no effect on regular files.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw InputError(path + ": no such file (expected a " + what + ")");
    throw InputError(path + ": cannot open the " + std::string(what) + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    throw InputError(path + (dir ? ": is a directory, expected a " : ": is not a regular file, expected a ") + what);
  }
  *size = static_cast<std::uint64_t>(st.st_size);
  return fd;
}

std::string read_file_capped(const std::string& path, std::size_t max_bytes, const char* what) {
  std::uint64_t size = 0;
  const int fd = open_regular_file(path, what, &size);
  if (size > max_bytes) {
    ::close(fd);
    throw InputError(path + ": the " + std::string(what) + " is " + format_bytes(size) + ", above the " +
                     format_bytes(max_bytes) + " limit (is this the right file?)");
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, &out[got], out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw InputError(path + ": cannot read the " + std::string(what) + ": " + std::strerror(err));
    }
    if (n == 0) break;  // the file shrank while we read it
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  ::close(fd);
  return out;
}

}  // namespace drf
