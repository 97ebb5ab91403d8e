// A read-only memory map of a whole regular file, unmapped when the last owner goes away.
// Hold it in a shared_ptr so that anything reading from the mapping keeps it alive.
#pragma once
#include <cstdint>
#include <string>

namespace drf {

class MappedFile {
 public:
  // Throws InputError naming the file (missing, directory, unreadable).
  MappedFile(const std::string& path, const char* what);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::uint8_t* data_ = nullptr;  // null for an empty file
  std::uint64_t size_ = 0;
};

}  // namespace drf
