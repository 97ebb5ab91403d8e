// transformers CLIPTextConfig fields that shape the network (text_encoder/config.json).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace drf {

struct ClipTextConfig {
  int64_t vocab_size = 49408;
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // quick_gelu (OpenAI CLIP, SD 1.x) | gelu (OpenCLIP, SD 2.x)
  double layer_norm_eps = 1e-5;
  // CLIPTextModelWithProjection (SDXL's OpenCLIP bigG): a bias-free text_projection of the
  // pooled (end-of-text) state to projection_dim.
  bool with_projection = false;
  int64_t projection_dim = 768;
  // transformers: 2 (every SD/SDXL config) means "the end-of-text token is the highest id" and
  // pools at argmax(ids); another value pools at that token's first position.
  int64_t eos_token_id = 2;
  void validate(const std::string& where) const;
};

ClipTextConfig parse_clip_text_config(const nlohmann::json& j, const std::string& where);
nlohmann::json clip_text_config_to_json(const ClipTextConfig& c);

// openai/clip-vit-large-patch14 text tower (SD 1.x text_encoder).
ClipTextConfig clip_text_config_sd15();
// OpenCLIP ViT-H/14 text tower with its last layer dropped, as diffusers ships it for SD 2.x
// (23 layers: the "penultimate layer" SD 2 conditions on is this config's last layer).
ClipTextConfig clip_text_config_sd21();
// Tiny text tower for CPU tests (vocab covers the byte-level fallback tokenizer's ids).
ClipTextConfig clip_text_config_tiny();
// SDXL's text_encoder: openai/clip-vit-large-patch14 (CLIPTextModel), as for SD 1.x.
ClipTextConfig clip_text_config_sdxl_l();
// SDXL's text_encoder_2: OpenCLIP ViT-bigG/14 text tower, 32 layers of 1280, gelu, with its
// 1280-wide text_projection (CLIPTextModelWithProjection).
ClipTextConfig clip_text_config_sdxl_bigg();
// Tiny counterparts (hidden 16 and 8 -> context 24; projection 8) for CPU tests.
ClipTextConfig clip_text_config_sdxl_tiny_l();
ClipTextConfig clip_text_config_sdxl_tiny_g();

}  // namespace drf
