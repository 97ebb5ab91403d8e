#include "core/models/unet_memory.h"

namespace drf {
namespace {

// Finest-level activations (latent_h x latent_w x block_out_channels[0] elements each) that
// one more batch row adds to the peak of a forward. Measured on an H200 (fp16, channels-last,
// fused kernels, 8192-row feed-forward passes; docs/profile-h200-memory-2026-11-23.txt): 8.6
// to 10.5 for SD 1.5 at 64x64 (batches 4..16 over batch 2), 9.8 to 11.2 for SD 2.1 at 96x96.
// 14 leaves room for the allocator's rounding in the CUDA graph pools.
constexpr int64_t kFinestLevelTensorsPerRow = 14;

}  // namespace

int64_t unet_activation_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w,
                                      int64_t element_bytes) {
  if (config.block_out_channels.empty() || latent_h <= 0 || latent_w <= 0 || element_bytes <= 0) return 0;
  return kFinestLevelTensorsPerRow * latent_h * latent_w * config.block_out_channels.front() * element_bytes;
}

}  // namespace drf
