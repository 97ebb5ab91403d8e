#include "gpu/memory_stats.h"

#include <c10/cuda/CUDACachingAllocator.h>

namespace drf::gpu {

// Index 0 of each stat array is the aggregate over small and large pools.
std::size_t peak_reserved_bytes(const torch::Device& d) {
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(d.index());
  return static_cast<std::size_t>(stats.reserved_bytes[0].peak);
}

std::size_t allocated_bytes(const torch::Device& d) {
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(d.index());
  return static_cast<std::size_t>(stats.allocated_bytes[0].current);
}

void reset_peak_allocated(const torch::Device& d) { c10::cuda::CUDACachingAllocator::resetPeakStats(d.index()); }

void release_cached_blocks() { c10::cuda::CUDACachingAllocator::emptyCache(); }

}  // namespace drf::gpu
