// Read access to a .safetensors file: the file is memory-mapped read-only and its header fully
// validated on open (core/io/safetensors_header.h); tensors are copied out of the mapping and
// converted to the compute dtype on request, so they never alias the file.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/safetensors_header.h"

namespace drf {

class MappedFile;

class SafetensorsFile {
 public:
  // Throws InputError naming the file: missing, directory, pickle checkpoint (with conversion
  // advice), or any malformed header.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  // The validated header entry; InputError naming the file and tensor when absent.
  const SafetensorsEntry& entry(const std::string& name) const;
  std::vector<std::int64_t> shape(const std::string& name) const { return entry(name).shape; }
  SafetensorsDtype dtype(const std::string& name) const { return entry(name).dtype; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  std::size_t size() const { return header_.tensors.size(); }

  // A fresh tensor holding a copy of the stored values converted to `to_dtype` on `device`.
  // F32/F16/BF16/F64 and the integer/bool dtypes LibTorch has are supported; U16/U32/U64 and
  // F8 give an InputError naming the tensor.
  torch::Tensor tensor(const std::string& name, torch::Dtype to_dtype, torch::Device device = torch::kCPU) const;

 private:
  std::string path_;
  std::shared_ptr<const MappedFile> map_;
  SafetensorsHeader header_;
};

}  // namespace drf
