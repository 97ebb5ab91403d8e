// transformers T5Config fields that shape the encoder (text_encoder_3/config.json of an SD3
// diffusers folder: google/t5-v1_1-xxl). Only T5 v1.1's gated-GELU feed-forward is implemented
// (the original T5's ReLU "DenseReluDense" is rejected with a clear error).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace drf {

struct T5EncoderConfig {
  int64_t vocab_size = 32128;
  int64_t d_model = 4096;
  int64_t d_kv = 64;
  int64_t d_ff = 10240;
  int64_t num_layers = 24;
  int64_t num_heads = 64;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  std::string feed_forward_proj = "gated-gelu";  // gelu_new(wi_0 x) * wi_1 x
  int64_t inner_dim() const { return num_heads * d_kv; }
  void validate(const std::string& where) const;
};

T5EncoderConfig parse_t5_encoder_config(const nlohmann::json& j, const std::string& where);
nlohmann::json t5_encoder_config_to_json(const T5EncoderConfig& c);

// google/t5-v1_1-xxl's encoder, SD3's text_encoder_3: 4,762,310,656 parameters.
T5EncoderConfig t5_encoder_config_xxl();
// Tiny encoder for CPU tests (2 layers of 32 = the tiny SD3 joint width, 2 heads of 8, vocabulary 320).
T5EncoderConfig t5_encoder_config_tiny();

}  // namespace drf
