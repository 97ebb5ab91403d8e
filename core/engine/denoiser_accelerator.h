// Hooks gpu/ fills in: a wrapper that makes a denoiser fast on a device (CUDA graphs per
// input shape), and device memory statistics for benchmarks. Identity / zero without gpu/.
#pragma once
#include <cstddef>
#include <memory>

#include <torch/torch.h>

#include "core/sampling/denoiser.h"

namespace drf {

using DenoiserAccelerator = std::shared_ptr<Denoiser> (*)(std::shared_ptr<Denoiser> inner, const torch::Device& device);
void register_denoiser_accelerator(DenoiserAccelerator accelerator);
// The accelerated denoiser for `device`, or `inner` itself when none applies (CPU, no gpu/,
// or DRIFFUSION_NO_CUDA_GRAPHS=1 in the environment).
std::shared_ptr<Denoiser> accelerate_denoiser(std::shared_ptr<Denoiser> inner, const torch::Device& device);

using MemoryQuery = std::size_t (*)(const torch::Device&);
using MemoryReset = void (*)(const torch::Device&);
using CacheRelease = void (*)();
void register_memory_stats(MemoryQuery peak, MemoryReset reset_peak, MemoryQuery current, CacheRelease release);
void release_cached_device_memory();  // no-op without a GPU backend
std::size_t device_peak_reserved(const torch::Device& device);     // held by the allocator; 0 on CPU
std::size_t device_allocated(const torch::Device& device);          // 0 on CPU
void reset_device_peak_reserved(const torch::Device& device);

}  // namespace drf
