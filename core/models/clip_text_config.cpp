#include "core/models/clip_text_config.h"

#include "core/models/config_json.h"
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
  c.validate(where);
  return c;
}

nlohmann::json clip_text_config_to_json(const ClipTextConfig& c) {
  nlohmann::json j;
  j["architectures"] = {"CLIPTextModel"};
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

}  // namespace drf
