// Fidelity of a DRiffusion image against the sequential image of the same seed: PSNR, SSIM
// and a difference heat map. Plain C++ (no LibTorch) so ui/ can use it directly.
#pragma once
#include "core/engine/events.h"

namespace drf {

// Peak signal-to-noise ratio in dB over all RGB channels (peak 255); +infinity when equal.
// Throws UsageError when the sizes differ.
double psnr(const RgbImage& a, const RgbImage& b);
// Mean SSIM (Wang et al. 2004; 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03) on the
// luma channel (BT.601, unrounded); 1 when equal. Averaged over the windows that lie fully
// inside the image; images smaller than 11 px use the largest odd window that fits.
// Throws UsageError when the sizes differ.
double ssim(const RgbImage& a, const RgbImage& b);
// Per-pixel absolute difference (the largest of the three channel differences) mapped to a
// heat colour map (black -> red -> yellow -> white), scaled so that `full_scale` (in 0..255 units) maps to white; equal pixels are black.
// Throws UsageError when the sizes differ or full_scale is not positive.
RgbImage difference_heatmap(const RgbImage& a, const RgbImage& b, double full_scale = 64.0);

}  // namespace drf
