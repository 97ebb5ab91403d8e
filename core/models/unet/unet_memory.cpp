#include "core/models/unet/unet_memory.h"

#include <algorithm>
#include <limits>

#include "core/models/nn/attention_memory.h"

namespace drf {
namespace {

// Finest-level activations (latent_h x latent_w x block_out_channels[0] elements each) that
// one more batch row adds to the memory of a forward. On an H200 (fp16, channels-last, fused
// kernels, 8192-row feed-forward passes) the allocated peak grows by 8.6 to 11.2 per row
// (docs/results/2026-11-23/profile-h200-memory-2026-11-23.txt); the CUDA graph pool that holds a batch of drafts
// grows by about 16 (the allocator's blocks fit the activations loosely), plus a fixed part the
// budget sets aside (core/engine/draft_memory.cpp). docs/benchmarks.md, "Draft memory".
constexpr int64_t kFinestLevelTensorsPerRow = 16;

// a * b, saturating at INT64_MAX (sizes here come from user settings: 4096 px and more).
int64_t unet_saturating_mul(int64_t a, int64_t b) {
  if (a <= 0 || b <= 0) return 0;
  if (a > std::numeric_limits<int64_t>::max() / b) return std::numeric_limits<int64_t>::max();
  return a * b;
}

}  // namespace

int64_t unet_activation_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w,
                                      int64_t element_bytes) {
  if (config.block_out_channels.empty() || latent_h <= 0 || latent_w <= 0 || element_bytes <= 0) return 0;
  return kFinestLevelTensorsPerRow * latent_h * latent_w * config.block_out_channels.front() * element_bytes;
}

int64_t unet_attention_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w,
                                     int64_t element_bytes) {
  const int64_t levels = config.blocks();
  if (levels == 0 || latent_h <= 0 || latent_w <= 0 || element_bytes <= 0) return 0;
  if (static_cast<int64_t>(config.attention_heads.size()) < levels) return 0;
  const int64_t score_bytes = config.upcast_attention ? std::max<int64_t>(element_bytes, 4) : element_bytes;
  int64_t peak = 0;
  int64_t h = latent_h, w = latent_w;
  for (int64_t level = 0; level < levels; ++level) {
    const bool attends = level < static_cast<int64_t>(config.down_block_types.size()) &&
                         config.down_block_types[level].find("CrossAttn") != std::string::npos;
    // The mid block (a transformer at the coarsest level) always attends.
    const bool mid = level == levels - 1;
    if (attends || mid) {
      const int64_t tokens = unet_saturating_mul(h, w);
      peak = std::max(peak, attention_score_bytes_per_row(config.attention_heads[level], tokens, tokens, score_bytes));
    }
    // Each down block but the last halves the grid (rounding up, as a stride-2 conv does).
    if (level + 1 < levels) {
      h = (h + 1) / 2;
      w = (w + 1) / 2;
    }
  }
  return peak;
}

int64_t unet_peak_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w, int64_t element_bytes) {
  const int64_t linear = unet_activation_bytes_per_row(config, latent_h, latent_w, element_bytes);
  const int64_t scores = unet_attention_bytes_per_row(config, latent_h, latent_w, element_bytes);
  if (linear > std::numeric_limits<int64_t>::max() - scores) return std::numeric_limits<int64_t>::max();
  return linear + scores;
}

}  // namespace drf
