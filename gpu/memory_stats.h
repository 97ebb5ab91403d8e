// Device memory statistics from LibTorch's CUDA caching allocator, for the benchmark's "extra
// memory per device". The peak is of memory the allocator holds (reserved), not only what
// live tensors use: a captured CUDA graph keeps its working memory in a private pool that
// counts as reserved but not as allocated.
#pragma once
#include <cstddef>

#include <torch/torch.h>

namespace drf::gpu {
std::size_t peak_reserved_bytes(const torch::Device& device);
std::size_t allocated_bytes(const torch::Device& device);
void reset_peak_allocated(const torch::Device& device);
void release_cached_blocks();  // returns unused cached blocks of every device to the driver
}  // namespace drf::gpu
