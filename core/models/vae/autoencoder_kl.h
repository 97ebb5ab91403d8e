// diffusers AutoencoderKL: the latent <-> image codec of SD 1.x / 2.x. decode() takes
// model-space latents (already divided by scaling_factor, as diffusers' vae.decode does) and
// returns images in [-1, 1] (unclamped); encode() returns the mean of the latent posterior.
#pragma once
#include "core/models/vae/vae_blocks.h"

namespace drf {

class AutoencoderKLImpl : public torch::nn::Module {
 public:
  AutoencoderKLImpl(const VaeConfig& config, const torch::TensorOptions& options);
  torch::Tensor decode(const torch::Tensor& z);        // [B, latent, h, w] -> [B, out, h*f, w*f]
  torch::Tensor encode_mean(const torch::Tensor& x);   // [B, in, H, W] -> [B, latent, H/f, W/f]
  // Latents as the sampler sees them -> images in [-1, 1]: decode(z / scale + shift).
  torch::Tensor decode_scaled(const torch::Tensor& latents);
  const VaeConfig& config() const { return config_; }

 private:
  VaeConfig config_;
  VaeEncoder encoder{nullptr};
  VaeDecoder decoder{nullptr};
  layers::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};
};
TORCH_MODULE(AutoencoderKL);

// The parameters a VAE of this configuration has, counted on the meta device (no memory): what
// the weights budget (core/models/loaders/weights_budget.h) compares with the files.
int64_t vae_parameters(const VaeConfig& config);

}  // namespace drf
