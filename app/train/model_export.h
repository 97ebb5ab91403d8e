// Writes a complete built-in model folder (core/models/builtin/builtin_model.h layout) from trained
// weights: fp16 safetensors for both networks, the three configs and the tokenizer files.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include <torch/torch.h>

#include "core/models/builtin/builtin_model.h"

namespace drf::train {

using TensorMap = std::map<std::string, torch::Tensor>;

// Tensors are converted to fp16 on the CPU; throws UsageError when a value does not fit fp16
// (a diverged run must not be shipped as infinities).
void export_builtin_model(const std::filesystem::path& dir, const BuiltinModelConfig& config, const TensorMap& unet,
                          const TensorMap& text_encoder, const std::filesystem::path& tokenizer_dir);

}  // namespace drf::train
