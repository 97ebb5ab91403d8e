#include "core/io/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/io/file_read.h"
#include "core/util/errors.h"

namespace drf {

MappedFile::MappedFile(const std::string& path, const char* what) : path_(path) {
  fd_ = open_regular_file(path, what, &size_);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    const int err = errno;
    if (p == MAP_FAILED) {
      ::close(fd_);
      throw InputError(path + ": cannot map the " + std::string(what) + ": " + std::strerror(err));
    }
    data_ = static_cast<const std::uint8_t*>(p);
  }
}

void MappedFile::read(void* dst, std::uint64_t offset, std::uint64_t length) const {
  auto* out = static_cast<std::uint8_t*>(dst);
  while (length > 0) {
    const ssize_t n = ::pread(fd_, out, static_cast<std::size_t>(std::min<std::uint64_t>(length, 1ull << 30)),
                              static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(path_ + ": cannot read: " + std::strerror(errno));
    if (n == 0) throw InputError(path_ + ": the file ended early (it changed while it was being read)");
    out += n;
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace drf
