// diffusers SD3Transformer2DModel configuration (transformer/config.json) and the presets of
// the published SD3 / SD3.5 transformers. The MMDiT: 2x2 patches of 16-channel latents,
// num_layers joint blocks of width num_attention_heads * attention_head_dim, the last one
// "context_pre_only"; SD3.5 adds RMS-normalised queries and keys (qk_norm "rms_norm") and,
// in SD3.5 medium, a second image-only attention in the first 13 blocks (MMDiT-X).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace drf {

struct Sd3TransformerConfig {
  int64_t sample_size = 128;  // latent pixels the model was trained at (base of the position grid)
  int64_t patch_size = 2;
  int64_t in_channels = 16;
  int64_t out_channels = 16;
  int64_t num_layers = 18;
  int64_t attention_head_dim = 64;
  int64_t num_attention_heads = 18;
  int64_t joint_attention_dim = 4096;     // text context width (CLIP 2x + T5: 4096)
  int64_t caption_projection_dim = 1152;  // context_embedder output = the block width
  int64_t pooled_projection_dim = 2048;   // CLIP-L + bigG pooled outputs
  int64_t pos_embed_max_size = 96;        // side of the square position table, in patches
  std::vector<int64_t> dual_attention_layers;  // blocks with the second (image-only) attention
  std::string qk_norm;                         // "" or "rms_norm"

  int64_t inner_dim() const { return num_attention_heads * attention_head_dim; }
  bool is_dual(int64_t layer) const;
  void validate(const std::string& where) const;
};

Sd3TransformerConfig parse_sd3_transformer_config(const nlohmann::json& j, const std::string& where);
nlohmann::json sd3_transformer_config_to_json(const Sd3TransformerConfig& c);

// stabilityai/stable-diffusion-3-medium-diffusers transformer/config.json (2.03 B parameters).
Sd3TransformerConfig sd3_transformer_config_sd3_medium();
// stabilityai/stable-diffusion-3.5-medium: qk rms_norm, dual attention in blocks 0..12, 384 table.
Sd3TransformerConfig sd3_transformer_config_sd35_medium();
// stabilityai/stable-diffusion-3.5-large: 38 layers of 2432, qk rms_norm.
Sd3TransformerConfig sd3_transformer_config_sd35_large();
// Tiny CPU-test configs: SD3-like (no qk norm, no dual attention) and SD3.5-medium-like.
Sd3TransformerConfig sd3_transformer_config_tiny();
Sd3TransformerConfig sd3_transformer_config_tiny_x();

}  // namespace drf
