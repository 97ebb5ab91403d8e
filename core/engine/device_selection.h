// Turns GenerationSettings::devices / dtype into torch devices, checking them against what
// this machine and build have.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "core/engine/settings.h"

namespace drf {

// Empty settings.devices -> {cpu}. Throws UsageError for an index past the device count and
// DeviceError when CUDA is asked for but absent.
std::vector<torch::Device> select_devices(const GenerationSettings& settings);
torch::Dtype select_dtype(const GenerationSettings& settings, const torch::Device& primary);

}  // namespace drf
