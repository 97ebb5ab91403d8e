// Waits for queued work on a device (no-op on CPU). Core must not include CUDA headers, so
// the CUDA implementation is registered by gpu/ at start-up.
#pragma once
#include <functional>
#include <torch/torch.h>

namespace drf {

void synchronize_device(const torch::Device& device);
void set_device_synchronizer(std::function<void(const torch::Device&)> fn);

}  // namespace drf
