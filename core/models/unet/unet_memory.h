// How much activation memory one more batch row costs a UNet call: what the engine needs to
// fit a round's drafts into a memory budget (GenerationSettings::draft_memory_mb). The linear
// part (activations) and the quadratic one (materialized attention scores, priced by
// core/models/nn/attention_memory.h).
#pragma once
#include <cstdint>

#include "core/models/unet/unet_config.h"

namespace drf {

// Estimated bytes one more batch row adds to the peak of a UNet forward at a latent of
// latent_h x latent_w, in elements of element_bytes. The peak sits at the finest level,
// where the skip connections of every level and a transformer block's working set (its
// feed-forward in bounded passes) are alive together; both scale with
// latent_h * latent_w * block_out_channels[0]. Calibrated on an H200 with
// driffusion_profile_unet (docs/benchmarks.md, "Draft memory"); an over-estimate is safe
// (fewer drafts per call), an under-estimate overshoots the budget.
int64_t unet_activation_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w,
                                      int64_t element_bytes);

// The largest self-attention score peak of one batch row of a UNet call at a latent of
// latent_h x latent_w: the maximum over the levels with attention (CrossAttn* down blocks and
// the mid block) of attention_score_bytes_per_row(heads of the level, tokens of the level...).
// Scores are fp32 with upcast_attention. 0 when scores are not materialized or no level has
// attention.
int64_t unet_attention_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w,
                                     int64_t element_bytes);

// What one batch row adds to a UNet call's peak: unet_activation_bytes_per_row (the linear
// part the draft budget is calibrated with) plus unet_attention_bytes_per_row, saturating.
// What the pipelines report as Pipeline::activation_bytes_per_row.
int64_t unet_peak_bytes_per_row(const UNetConfig& config, int64_t latent_h, int64_t latent_w, int64_t element_bytes);

}  // namespace drf
