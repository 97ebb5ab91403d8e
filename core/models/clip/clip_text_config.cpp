#include "core/models/clip/clip_text_config.h"

#include "core/models/loaders/config_json.h"
#include "core/util/errors.h"

namespace drf {
namespace cj = config_json;

void ClipTextConfig::validate(const std::string& where) const {
  if (hidden_size % num_attention_heads != 0)
    throw InputError(where + ": hidden_size " + std::to_string(hidden_size) + " is not divisible by num_attention_heads " +
                     std::to_string(num_attention_heads));
  if (hidden_act != "quick_gelu" && hidden_act != "gelu")
    throw InputError(where + ": hidden_act '" + hidden_act + "' is not supported (quick_gelu or gelu)");
}

ClipTextConfig parse_clip_text_config(const nlohmann::json& j_in, const std::string& where) {
  if (!j_in.is_object()) throw InputError(where + ": not a JSON object");
  // A full CLIPConfig nests the text tower under "text_config".
  const nlohmann::json& j = j_in.contains("text_config") && j_in.at("text_config").is_object() ? j_in.at("text_config") : j_in;
  ClipTextConfig c;
  c.vocab_size = cj::get_int(j, "vocab_size", 49408, where, 1, 1 << 20);
  c.hidden_size = cj::get_int(j, "hidden_size", 512, where, 1, 1 << 14);
  c.intermediate_size = cj::get_int(j, "intermediate_size", 2048, where, 1, 1 << 16);
  c.num_hidden_layers = cj::get_int(j, "num_hidden_layers", 12, where, 1, 256);
  c.num_attention_heads = cj::get_int(j, "num_attention_heads", 8, where, 1, 1024);
  c.max_position_embeddings = cj::get_int(j, "max_position_embeddings", 77, where, 1, 1 << 14);
  c.hidden_act = cj::get_string(j, "hidden_act", "quick_gelu", where);
  c.layer_norm_eps = cj::get_number(j, "layer_norm_eps", 1e-5, where);
  if (j_in.contains("architectures") && j_in.at("architectures").is_array())
    for (const auto& a : j_in.at("architectures"))
      if (a.is_string() && a.get<std::string>() == "CLIPTextModelWithProjection") c.with_projection = true;
  c.projection_dim = cj::get_int(j, "projection_dim", 512, where, 1, 1 << 14);
  c.eos_token_id = cj::get_int(j, "eos_token_id", 2, where, 0, 1 << 20);
  c.validate(where);
  return c;
}

nlohmann::json clip_text_config_to_json(const ClipTextConfig& c) {
  nlohmann::json j;
  j["architectures"] = {c.with_projection ? "CLIPTextModelWithProjection" : "CLIPTextModel"};
  j["projection_dim"] = c.projection_dim;
  j["eos_token_id"] = c.eos_token_id;
  j["model_type"] = "clip_text_model";
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["hidden_act"] = c.hidden_act;
  j["layer_norm_eps"] = c.layer_norm_eps;
  return j;
}

ClipTextConfig clip_text_config_sd15() { return ClipTextConfig{}; }

ClipTextConfig clip_text_config_sd21() {
  ClipTextConfig c;
  c.hidden_size = 1024;
  c.intermediate_size = 4096;
  c.num_hidden_layers = 23;
  c.num_attention_heads = 16;
  c.hidden_act = "gelu";
  return c;
}

ClipTextConfig clip_text_config_tiny() {
  ClipTextConfig c;
  c.vocab_size = 1000;  // the byte-level fallback tokenizer maps BOS/EOS to the last two ids
  c.hidden_size = 16;
  c.intermediate_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  return c;
}

ClipTextConfig clip_text_config_sdxl_l() { return ClipTextConfig{}; }

ClipTextConfig clip_text_config_sdxl_bigg() {
  ClipTextConfig c;
  c.hidden_size = 1280;
  c.intermediate_size = 5120;
  c.num_hidden_layers = 32;
  c.num_attention_heads = 20;
  c.hidden_act = "gelu";
  c.with_projection = true;
  c.projection_dim = 1280;
  return c;
}

ClipTextConfig clip_text_config_sdxl_tiny_l() { return clip_text_config_tiny(); }

ClipTextConfig clip_text_config_sdxl_tiny_g() {
  ClipTextConfig c = clip_text_config_tiny();
  c.hidden_size = 8;
  c.intermediate_size = 16;
  c.num_hidden_layers = 3;
  c.hidden_act = "gelu";
  c.with_projection = true;
  c.projection_dim = 8;
  return c;
}

}  // namespace drf
