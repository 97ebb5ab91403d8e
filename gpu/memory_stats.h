// Device memory statistics from LibTorch's CUDA caching allocator (what our tensors hold,
// not what the driver reserved), for the benchmark's "extra memory per device".
#pragma once
#include <cstddef>

#include <torch/torch.h>

namespace drf::gpu {
std::size_t peak_allocated_bytes(const torch::Device& device);
std::size_t allocated_bytes(const torch::Device& device);
void reset_peak_allocated(const torch::Device& device);
}  // namespace drf::gpu
