// Cheap live previews of SD 1.x/2.x and SDXL latents: a fixed linear map from the 4 latent channels to
// RGB, no VAE. The factors are the SD 1.5 "latent_rgb_factors" of ComfyUI
// (comfy/latent_formats.py, class SD15; ComfyUI uses them for SD 2.x too, which shares the
// VAE); AUTOMATIC1111's "Approx cheap" preview (modules/sd_samplers_common.py) uses a similar
// 4x3 matrix. The map is applied to the sampler's (scaled) latents and gives values around
// [-1, 1].
#pragma once
#include <torch/torch.h>

#include <array>

namespace drf {

// A 4-channel latent format's linear map to RGB (rows: latent channels) and RGB offset.
struct LatentPreviewFactors {
  std::array<std::array<float, 3>, 4> rgb;
  std::array<float, 3> bias;
  static LatentPreviewFactors sd15();  // SD 1.x / 2.x (ComfyUI SD15, no bias)
  static LatentPreviewFactors sdxl();  // SDXL base and refiner (ComfyUI SDXL, with its bias)
};

// [k, C, h, w] latents on any device -> [k, 3, h, w] float in [0, 1] on the CPU. Latents with
// other than 4 channels show their first three channels (repeated if fewer).
torch::Tensor latent_rgb_preview(const torch::Tensor& latents,
                                 const LatentPreviewFactors& factors = LatentPreviewFactors::sd15());

}  // namespace drf
