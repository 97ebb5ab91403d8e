// Tensor <-> plain image conversions at the facade boundary.
#pragma once
#include <torch/torch.h>

#include "core/engine/events.h"

namespace drf {

// [3, H, W] float in [0, 1] -> 8-bit RGB (rounded, clamped).
RgbImage to_rgb8(const torch::Tensor& chw);
// [3, H, W] float -> H*W*3 floats, HWC.
std::vector<float> to_float_hwc(const torch::Tensor& chw);

}  // namespace drf
