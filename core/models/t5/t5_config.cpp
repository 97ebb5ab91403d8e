#include "core/models/t5/t5_config.h"

#include <nlohmann/json.hpp>

#include "core/models/loaders/config_json.h"
#include "core/util/errors.h"

namespace drf {
namespace cj = config_json;

void T5EncoderConfig::validate(const std::string& where) const {
  if (feed_forward_proj != "gated-gelu")
    throw InputError(where + ": feed_forward_proj '" + feed_forward_proj +
                     "' is not supported (only T5 v1.1's 'gated-gelu', as SD3's T5-XXL uses)");
  if (relative_attention_num_buckets < 4 || relative_attention_max_distance <= relative_attention_num_buckets / 4)
    throw InputError(where + ": relative attention buckets " + std::to_string(relative_attention_num_buckets) +
                     " / max distance " + std::to_string(relative_attention_max_distance) + " are not usable");
}

T5EncoderConfig parse_t5_encoder_config(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": not a JSON object");
  T5EncoderConfig c;
  c.vocab_size = cj::get_int(j, "vocab_size", 32128, where, 1, 1 << 20);
  c.d_model = cj::get_int(j, "d_model", 512, where, 1, 1 << 15);
  c.d_kv = cj::get_int(j, "d_kv", 64, where, 1, 1 << 12);
  c.d_ff = cj::get_int(j, "d_ff", 2048, where, 1, 1 << 17);
  c.num_layers = cj::get_int(j, "num_layers", 6, where, 1, 256);
  c.num_heads = cj::get_int(j, "num_heads", 8, where, 1, 1024);
  c.relative_attention_num_buckets = cj::get_int(j, "relative_attention_num_buckets", 32, where, 1, 4096);
  c.relative_attention_max_distance = cj::get_int(j, "relative_attention_max_distance", 128, where, 1, 1 << 20);
  c.layer_norm_epsilon = cj::get_number(j, "layer_norm_epsilon", 1e-6, where);
  // transformers' default is "relu" (the original T5); v1.1 configs say "gated-gelu".
  c.feed_forward_proj = cj::get_string(j, "feed_forward_proj", "relu", where);
  if (cj::has(j, "is_gated_act") && !cj::get_bool(j, "is_gated_act", true, where))
    throw InputError(where + ": is_gated_act false is not supported (T5 v1.1's gated feed-forward only)");
  if (cj::has(j, "dense_act_fn")) {
    const auto act = cj::get_string(j, "dense_act_fn", "gelu_new", where);
    if (act != "gelu_new" && act != "gelu_pytorch_tanh")
      throw InputError(where + ": dense_act_fn '" + act + "' is not supported (gelu_new)");
  }
  c.validate(where);
  return c;
}

nlohmann::json t5_encoder_config_to_json(const T5EncoderConfig& c) {
  nlohmann::json j;
  j["architectures"] = {"T5EncoderModel"};
  j["model_type"] = "t5";
  j["vocab_size"] = c.vocab_size;
  j["d_model"] = c.d_model;
  j["d_kv"] = c.d_kv;
  j["d_ff"] = c.d_ff;
  j["num_layers"] = c.num_layers;
  j["num_heads"] = c.num_heads;
  j["relative_attention_num_buckets"] = c.relative_attention_num_buckets;
  j["relative_attention_max_distance"] = c.relative_attention_max_distance;
  j["layer_norm_epsilon"] = c.layer_norm_epsilon;
  j["feed_forward_proj"] = c.feed_forward_proj;
  j["dense_act_fn"] = "gelu_new";
  j["is_gated_act"] = true;
  return j;
}

T5EncoderConfig t5_encoder_config_xxl() { return T5EncoderConfig{}; }

T5EncoderConfig t5_encoder_config_tiny() {
  T5EncoderConfig c;
  c.vocab_size = 320;
  c.d_model = 32;  // sd3_transformer_config_tiny's joint_attention_dim
  c.d_kv = 8;      // 2 heads of 8: inner width 16 != d_model, as the projections must handle
  c.d_ff = 48;
  c.num_layers = 2;
  c.num_heads = 2;
  c.relative_attention_num_buckets = 8;
  c.relative_attention_max_distance = 20;
  return c;
}

}  // namespace drf
