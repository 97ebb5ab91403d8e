// Cheap live previews of SD 1.x/2.x latents: a fixed linear map from the 4 latent channels to
// RGB, no VAE. The factors are the SD 1.5 "latent_rgb_factors" of ComfyUI
// (comfy/latent_formats.py, class SD15; ComfyUI uses them for SD 2.x too, which shares the
// VAE); AUTOMATIC1111's "Approx cheap" preview (modules/sd_samplers_common.py) uses a similar
// 4x3 matrix. The map is applied to the sampler's (scaled) latents and gives values around
// [-1, 1].
#pragma once
#include <torch/torch.h>

namespace drf {

// [k, C, h, w] latents on any device -> [k, 3, h, w] float in [0, 1] on the CPU. Latents with
// other than 4 channels show their first three channels (repeated if fewer).
torch::Tensor latent_rgb_preview(const torch::Tensor& latents);

}  // namespace drf
