// Writes tensors (and optional string metadata) as a .safetensors file, atomically: the target
// either keeps its old content or receives the complete new file; nothing is left behind on
// failure. Tensors are written in name order, contiguous, little-endian, in their own dtype.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

namespace drf {

// Throws UsageError for a tensor this format cannot hold (empty name, "__metadata__", a dtype
// outside F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL, names or metadata that are not valid UTF-8)
// and IoError naming the path when writing fails.
void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace drf
