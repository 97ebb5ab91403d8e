// UNet2DConditionModel configuration: the fields of a diffusers unet/config.json that SD 1.x
// and 2.x (and the built-in pixel-space emoji model) use, already resolved per block.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace drf {

struct UNetConfig {
  int64_t sample_size = 64;  // native latent size (image size / VAE scale)
  int64_t in_channels = 4;
  int64_t out_channels = 4;
  bool center_input_sample = false;
  bool flip_sin_to_cos = true;
  double freq_shift = 0.0;
  std::vector<std::string> down_block_types;  // CrossAttnDownBlock2D | DownBlock2D
  std::vector<std::string> up_block_types;    // CrossAttnUpBlock2D | UpBlock2D
  std::vector<int64_t> block_out_channels;
  std::vector<int64_t> layers_per_block;              // per down block (int in config: repeated)
  std::vector<int64_t> attention_heads;               // per down block: diffusers "attention_head_dim"
                                                      // (which counts heads, a historical misnomer)
  std::vector<int64_t> transformer_layers_per_block;  // per down block
  int64_t downsample_padding = 1;
  double mid_block_scale_factor = 1.0;
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-5;
  int64_t cross_attention_dim = 768;
  bool use_linear_projection = false;
  bool upcast_attention = false;
  int64_t conv_in_kernel = 3;
  int64_t conv_out_kernel = 3;
  // addition_embed_type "text_time" (SDXL): each time id -> addition_time_embed_dim
  // sinusoids, concatenated after the pooled text embedding (projection_class_embeddings_input_dim
  // values in all), through the add_embedding MLP, added to the time embedding. Empty = none.
  std::string addition_embed_type;
  int64_t addition_time_embed_dim = 0;
  int64_t projection_class_embeddings_input_dim = 0;

  bool text_time() const { return addition_embed_type == "text_time"; }

  int64_t blocks() const { return static_cast<int64_t>(block_out_channels.size()); }
  int64_t time_embed_dim() const { return block_out_channels.at(0) * 4; }
  // Throws InputError naming `where` and the field when the configuration is inconsistent.
  void validate(const std::string& where) const;
};

// Parses a diffusers unet/config.json object; `where` names the file in errors. Fields SD
// never sets to non-default values (class embeddings, addition embeddings, dual or
// only-cross attention, scale-shift time norm...) are rejected with an InputError.
UNetConfig parse_unet_config(const nlohmann::json& j, const std::string& where);
nlohmann::json unet_config_to_json(const UNetConfig& c);

// runwayml/stable-diffusion-v1-5 unet/config.json.
UNetConfig unet_config_sd15();
// stabilityai/stable-diffusion-2-1 unet/config.json (768 px, v-prediction).
UNetConfig unet_config_sd21();
// A few-thousand-parameter UNet with every block kind, for CPU tests and parity goldens.
UNetConfig unet_config_tiny();
// stabilityai/stable-diffusion-xl-base-1.0 unet/config.json: no attention at the top level,
// transformer depth 1/2/10, 64-wide heads, linear projections, text_time addition embedding
// (pooled 1280 + 6 time ids x 256 = 2816).
UNetConfig unet_config_sdxl();
// stabilityai/stable-diffusion-xl-refiner-1.0 unet/config.json: four levels (384..1536), depth
// 4, context 1280 (bigG only), 5 time ids (sizes, crop, aesthetic score): 1280 + 5 x 256 = 2560.
UNetConfig unet_config_sdxl_refiner();
// The SDXL architecture (text_time, per-level depth, top level without attention) at a few
// thousand parameters, for CPU tests and parity goldens: context 24, pooled 8, 6 time ids x 4.
UNetConfig unet_config_sdxl_tiny();

}  // namespace drf
