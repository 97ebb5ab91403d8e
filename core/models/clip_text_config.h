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

}  // namespace drf
