#include "core/models/unet/unet_memory.h"

namespace drf {
namespace {

// Finest-level activations (latent_h x latent_w x block_out_channels[0] elements each) that
// one more batch row adds to the memory of a forward. On an H200 (fp16, channels-last, fused
// kernels, 8192-row feed-forward passes) the allocated peak grows by 8.6 to 11.2 per row
// (docs/results/2026-11-23/profile-h200-memory-2026-11-23.txt); the CUDA graph pool that holds a batch of drafts
// grows by about 16 (the allocator's blocks fit the activations loosely), plus a fixed part the
// budget sets aside (core/engine/draft_memory.cpp). docs/benchmarks.md, "Draft memory".
constexpr int64_t kFinestLevelTensorsPerRow = 16;

}  // namespace

int64_t unet_activation_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w,
                                      int64_t element_bytes) {
  if (config.block_out_channels.empty() || latent_h <= 0 || latent_w <= 0 || element_bytes <= 0) return 0;
  return kFinestLevelTensorsPerRow * latent_h * latent_w * config.block_out_channels.front() * element_bytes;
}

}  // namespace drf
