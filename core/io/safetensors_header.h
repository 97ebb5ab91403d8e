// The safetensors layout (8-byte little-endian header length, JSON header, data section) parsed
// and validated from raw bytes, without LibTorch, so that the fuzzers can build it alone.
//
// Every check the reader relies on happens here: the header length fits the file and the 100 MB
// cap, the JSON is an object at most 3 levels deep, every tensor has a known dtype, a shape whose
// element count does not overflow, and data_offsets inside the data section whose length equals
// numel * itemsize; tensors cover the data section exactly, without overlaps or gaps (as the
// safetensors specification requires). Errors are InputError naming the file and the tensor.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace drf {

enum class SafetensorsDtype { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2 };

const char* dtype_name(SafetensorsDtype dtype);
std::size_t dtype_size(SafetensorsDtype dtype);
// False for a name this reader does not know.
bool parse_dtype_name(const std::string& name, SafetensorsDtype* dtype);

struct SafetensorsEntry {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // byte range [begin, end) within the data section
  std::int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
  std::uint64_t data_start = 0;  // file offset of the data section: 8 + header length
  std::uint64_t data_size = 0;
};

constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;
constexpr std::size_t kMaxSafetensorsRank = 16;

// Validates a whole file given all its bytes; reads only the first 8 + header-length bytes.
SafetensorsHeader parse_safetensors_header(const std::uint8_t* file_bytes, std::uint64_t file_size,
                                           const std::string& file_label);

// The header JSON for entries whose offsets are already laid out, padded with spaces to a
// multiple of 8 bytes (as the reference writer does, so the data section starts aligned).
std::string build_safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                     const std::map<std::string, std::string>& metadata);

}  // namespace drf
