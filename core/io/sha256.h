// SHA-256 (FIPS 180-4) of memory or of a file read in 1 MB blocks, so hashing a multi-GB model
// needs no more memory than that. The AUTOMATIC1111 "Model hash" in image metadata is the first
// 10 hex digits of the file's SHA-256.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace drf {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::array<std::uint8_t, 32> finish();  // the object must not be updated afterwards

 private:
  void compress(const std::uint8_t* block, std::size_t blocks);  // sha256_blocks.h
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string to_hex(const std::uint8_t* bytes, std::size_t size);
std::string sha256_hex(const std::string& data);
// `progress(done, total)` is called after each block and may throw (drf::Cancelled) to stop.
// Throws InputError naming the file when it cannot be opened or read.
std::string sha256_file_hex(const std::string& path,
                            const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
// First 10 hex digits of the file's SHA-256 (AUTOMATIC1111 "Model hash"), through the cache of
// file_hash_cache.h; `progress` as for sha256_file_hex (called only when the file is hashed).
std::string model_hash(const std::string& path,
                       const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace drf
