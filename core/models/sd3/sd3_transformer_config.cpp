#include "core/models/sd3/sd3_transformer_config.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/models/loaders/config_json.h"
#include "core/util/errors.h"

namespace drf {

bool Sd3TransformerConfig::is_dual(int64_t layer) const {
  return std::find(dual_attention_layers.begin(), dual_attention_layers.end(), layer) != dual_attention_layers.end();
}

void Sd3TransformerConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& m) { throw InputError(where + ": " + m); };
  if (patch_size < 1 || in_channels < 1 || out_channels < 1 || num_layers < 1 || attention_head_dim < 1 ||
      num_attention_heads < 1 || joint_attention_dim < 1 || pooled_projection_dim < 1 || pos_embed_max_size < 1 ||
      sample_size < 1)
    fail("every size must be positive");
  if (caption_projection_dim != inner_dim())
    fail("caption_projection_dim (" + std::to_string(caption_projection_dim) +
         ") must equal num_attention_heads * attention_head_dim (" + std::to_string(inner_dim()) +
         "): the context stream runs at the block width");
  if (inner_dim() % 4 != 0) fail("the block width must be a multiple of 4 (2-D sin-cos position embedding)");
  if (sample_size % patch_size != 0) fail("sample_size must be a multiple of patch_size");
  if (!qk_norm.empty() && qk_norm != "rms_norm")
    fail("qk_norm '" + qk_norm + "' is not supported (SD3.5 uses \"rms_norm\")");
  for (int64_t l : dual_attention_layers)
    if (l < 0 || l >= num_layers) fail("dual_attention_layers names block " + std::to_string(l) + " of " + std::to_string(num_layers));
  // The last block is context_pre_only; diffusers builds a dual-attention last block too, nothing special.
}

Sd3TransformerConfig parse_sd3_transformer_config(const nlohmann::json& j, const std::string& where) {
  using namespace config_json;
  if (!j.is_object()) throw InputError(where + ": expected a JSON object");
  const std::string cls = get_string(j, "_class_name", "SD3Transformer2DModel", where);
  if (cls != "SD3Transformer2DModel")
    throw InputError(where + ": _class_name '" + cls + "' is not SD3Transformer2DModel");
  Sd3TransformerConfig c;
  c.sample_size = get_int(j, "sample_size", 128, where, 1, 4096);
  c.patch_size = get_int(j, "patch_size", 2, where, 1, 16);
  c.in_channels = get_int(j, "in_channels", 16, where, 1, 1024);
  c.out_channels = has(j, "out_channels") ? get_int(j, "out_channels", 16, where, 1, 1024) : c.in_channels;
  c.num_layers = get_int(j, "num_layers", 18, where, 1, 1024);
  c.attention_head_dim = get_int(j, "attention_head_dim", 64, where, 1, 1024);
  c.num_attention_heads = get_int(j, "num_attention_heads", 18, where, 1, 1024);
  c.joint_attention_dim = get_int(j, "joint_attention_dim", 4096, where, 1, 65536);
  c.caption_projection_dim = get_int(j, "caption_projection_dim", 1152, where, 1, 65536);
  c.pooled_projection_dim = get_int(j, "pooled_projection_dim", 2048, where, 1, 65536);
  c.pos_embed_max_size = get_int(j, "pos_embed_max_size", 96, where, 1, 1024);
  if (has(j, "dual_attention_layers")) {
    if (!j.at("dual_attention_layers").is_array()) throw InputError(where + ": dual_attention_layers must be a list");
    for (const auto& v : j.at("dual_attention_layers")) {
      if (!v.is_number_integer()) throw InputError(where + ": dual_attention_layers must hold block indices");
      c.dual_attention_layers.push_back(v.get<int64_t>());
    }
  }
  c.qk_norm = get_string(j, "qk_norm", "", where);
  c.validate(where);
  return c;
}

nlohmann::json sd3_transformer_config_to_json(const Sd3TransformerConfig& c) {
  nlohmann::json j = {{"_class_name", "SD3Transformer2DModel"},
                      {"sample_size", c.sample_size},
                      {"patch_size", c.patch_size},
                      {"in_channels", c.in_channels},
                      {"out_channels", c.out_channels},
                      {"num_layers", c.num_layers},
                      {"attention_head_dim", c.attention_head_dim},
                      {"num_attention_heads", c.num_attention_heads},
                      {"joint_attention_dim", c.joint_attention_dim},
                      {"caption_projection_dim", c.caption_projection_dim},
                      {"pooled_projection_dim", c.pooled_projection_dim},
                      {"pos_embed_max_size", c.pos_embed_max_size},
                      {"dual_attention_layers", c.dual_attention_layers}};
  j["qk_norm"] = c.qk_norm.empty() ? nlohmann::json() : nlohmann::json(c.qk_norm);
  return j;
}

Sd3TransformerConfig sd3_transformer_config_sd3_medium() {
  Sd3TransformerConfig c;
  c.num_layers = 24;
  c.num_attention_heads = 24;
  c.caption_projection_dim = 1536;
  c.pos_embed_max_size = 192;
  return c;
}

Sd3TransformerConfig sd3_transformer_config_sd35_medium() {
  Sd3TransformerConfig c = sd3_transformer_config_sd3_medium();
  c.pos_embed_max_size = 384;
  c.qk_norm = "rms_norm";
  for (int64_t l = 0; l <= 12; ++l) c.dual_attention_layers.push_back(l);
  return c;
}

Sd3TransformerConfig sd3_transformer_config_sd35_large() {
  Sd3TransformerConfig c;
  c.num_layers = 38;
  c.num_attention_heads = 38;
  c.caption_projection_dim = 2432;
  c.pos_embed_max_size = 192;
  c.qk_norm = "rms_norm";
  return c;
}

Sd3TransformerConfig sd3_transformer_config_tiny() {
  Sd3TransformerConfig c;
  c.sample_size = 8;  // 64 px through the tiny factor-8 VAE
  c.num_layers = 3;
  c.attention_head_dim = 8;
  c.num_attention_heads = 2;
  c.joint_attention_dim = 32;
  c.caption_projection_dim = 16;
  c.pooled_projection_dim = 24;
  c.pos_embed_max_size = 12;
  return c;
}

Sd3TransformerConfig sd3_transformer_config_tiny_x() {
  Sd3TransformerConfig c = sd3_transformer_config_tiny();
  c.qk_norm = "rms_norm";
  c.dual_attention_layers = {0, 1};
  return c;
}

}  // namespace drf
