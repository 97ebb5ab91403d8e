// Fills a module's parameters and buffers from a WeightSource by name, after checking that
// EVERY expected tensor is present with the expected shape and a floating-point dtype, and
// that the source holds no tensor the architecture does not expect. The first problem is
// reported by name (InputError) before anything is loaded, so a bad file leaves the module
// untouched. The tensors then load on several threads (reading, checking and uploading overlap).
#pragma once
#include <functional>
#include <string>

#include "core/models/loaders/weight_source.h"

namespace drf {

struct WeightLoadOptions {
  std::string prefix;     // source key = prefix + module parameter name
  std::string component;  // "UNet", "text encoder"... for messages
  bool reject_unexpected = true;
  // Source keys under `prefix` that may stay unused (e.g. CLIP's position_ids buffer).
  std::function<bool(const std::string&)> ignorable;
  // Loader threads; 0 = half the hardware threads, at most 8 (tests ask for more).
  std::size_t threads = 0;
};

struct WeightLoadReport {
  int64_t tensors = 0;
  int64_t elements = 0;
};

WeightLoadReport load_weights(torch::nn::Module& module, const WeightSource& source, torch::Dtype dtype,
                              const torch::Device& device, const WeightLoadOptions& options);

// Every parameter and buffer of `module` as a map (for saving a model as safetensors).
std::map<std::string, torch::Tensor> module_state(const torch::nn::Module& module, const std::string& prefix = "");

}  // namespace drf
