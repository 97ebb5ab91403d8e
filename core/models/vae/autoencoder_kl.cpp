#include "core/models/vae/autoencoder_kl.h"

#include "core/models/loaders/weights_budget.h"
#include "core/models/nn/layers.h"

namespace drf {

AutoencoderKLImpl::AutoencoderKLImpl(const VaeConfig& c, const torch::TensorOptions& options) : config_(c) {
  c.validate("VAE config");
  encoder = register_module("encoder", VaeEncoder(c, options));
  decoder = register_module("decoder", VaeDecoder(c, options));
  const int64_t l = c.latent_channels;
  if (c.use_quant_conv) quant_conv = register_module("quant_conv", layers::Conv2d(2 * l, 2 * l, 1, 1, 0, options));
  if (c.use_post_quant_conv) post_quant_conv = register_module("post_quant_conv", layers::Conv2d(l, l, 1, 1, 0, options));
}

torch::Tensor AutoencoderKLImpl::decode(const torch::Tensor& z) {
  return decoder(post_quant_conv ? post_quant_conv(z) : z);
}

torch::Tensor AutoencoderKLImpl::encode_mean(const torch::Tensor& x) {
  auto moments = encoder(x);
  if (quant_conv) moments = quant_conv(moments);
  return moments.chunk(2, 1)[0];
}

torch::Tensor AutoencoderKLImpl::decode_scaled(const torch::Tensor& latents) {
  auto z = latents / config_.scaling_factor;
  if (config_.shift_factor != 0.0) z = z + config_.shift_factor;
  return decode(z);
}

int64_t vae_parameters(const VaeConfig& config) {
  return parameters_on_meta([&](const torch::TensorOptions& o) { return layers::parameter_count(*AutoencoderKL(config, o)); });
}

}  // namespace drf
