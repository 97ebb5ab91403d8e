// diffusers AutoencoderKL configuration (vae/config.json).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace drf {

struct VaeConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  std::vector<int64_t> block_out_channels{128, 256, 512, 512};
  int64_t layers_per_block = 2;
  int64_t latent_channels = 4;
  int64_t norm_num_groups = 32;
  int64_t sample_size = 512;
  double scaling_factor = 0.18215;
  double shift_factor = 0.0;  // latents = (z - shift) * scale; SD 1.x/2.x: none
  bool use_quant_conv = true;
  bool use_post_quant_conv = true;
  bool mid_block_add_attention = true;
  // The weights overflow in fp16 (the original SDXL VAE): run this VAE in float32.
  bool force_upcast = false;

  // Image pixels per latent pixel: 2^(blocks - 1).
  int64_t scale_factor() const { return int64_t{1} << (block_out_channels.size() - 1); }
  void validate(const std::string& where) const;
};

VaeConfig parse_vae_config(const nlohmann::json& j, const std::string& where);
nlohmann::json vae_config_to_json(const VaeConfig& c);

// The SD 1.x / 2.x KL-f8 autoencoder (runwayml/stable-diffusion-v1-5 vae/config.json;
// SD 2.1's differs only in sample_size 768).
VaeConfig vae_config_sd15();
VaeConfig vae_config_sd21();
// stabilityai/stable-diffusion-xl-base-1.0 vae/config.json: the SD architecture with
// scaling_factor 0.13025, sample_size 1024 and force_upcast.
VaeConfig vae_config_sdxl();
// Tiny autoencoder with the same factor-8 geometry, for CPU tests.
VaeConfig vae_config_tiny();

}  // namespace drf
