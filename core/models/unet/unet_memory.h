// How much activation memory one more batch row costs a UNet call: what the engine needs to
// fit a round's drafts into a memory budget (GenerationSettings::draft_memory_mb).
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

}  // namespace drf
