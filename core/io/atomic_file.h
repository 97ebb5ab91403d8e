// Writes a file so that readers see either the old content or the complete new content, never a
// partial file: data goes to a temporary file in the same folder, is flushed to disk, and is
// renamed over the target on commit(). Without commit() (an exception, a cancel) the temporary
// file is removed.
#pragma once
#include <cstddef>
#include <string>

namespace drf {

class AtomicFileWriter {
 public:
  // Throws IoError naming `path` when the folder is missing or not writable.
  explicit AtomicFileWriter(const std::string& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size);  // IoError on a failed write (disk full, ...)
  void commit();                                   // fsync + rename; IoError on failure
  const std::string& temp_path() const { return temp_path_; }

 private:
  void discard();
  std::string path_, temp_path_;
  int fd_ = -1;
};

}  // namespace drf
