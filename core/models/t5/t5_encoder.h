// transformers T5EncoderModel (T5 v1.1, SD3's text_encoder_3): token embedding ("shared"),
// pre-RMS-norm blocks of bias-free self-attention (no 1/sqrt(d) scaling; a bucketed relative
// position bias computed by the first block's table and shared by every block; softmax in fp32)
// and a gated-GELU feed-forward, then a final RMS norm. No positional embedding, no biases.
// Keys as in transformers' state dict: shared.weight,
// encoder.block.{i}.layer.0.SelfAttention.{q,k,v,o}.weight,
// encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight,
// encoder.block.{i}.layer.0.layer_norm.weight, encoder.block.{i}.layer.1.DenseReluDense.{wi_0,wi_1,wo}.weight,
// encoder.block.{i}.layer.1.layer_norm.weight, encoder.final_layer_norm.weight.
#pragma once
#include <memory>
#include <vector>

#include "core/models/nn/layers.h"
#include "core/models/t5/t5_config.h"
#include "core/models/loaders/weight_loader.h"

namespace drf {

// T5LayerNorm: x * rsqrt(mean(x^2) + eps) computed in fp32, cast back, times weight (no mean
// subtraction, no bias).
class T5RmsNormImpl : public torch::nn::Module {
 public:
  T5RmsNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(T5RmsNorm);

// Bucket of each (query, key) offset, transformers' _relative_position_bucket with
// bidirectional=True: [L, L] int64 for a sequence of `length` tokens.
torch::Tensor t5_relative_position_buckets(int64_t length, int64_t num_buckets, int64_t max_distance,
                                           const torch::Device& device);

class T5BlockImpl : public torch::nn::Module {
 public:
  T5BlockImpl(const T5EncoderConfig& c, bool has_relative_bias, const torch::TensorOptions& options);
  // position_bias: [1, heads, L, L] from the first block's table (position_bias()).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& position_bias);
  torch::Tensor position_bias(int64_t length) const;  // first block only

 private:
  T5EncoderConfig c_;
  T5RmsNorm attn_norm{nullptr}, ff_norm{nullptr};
  layers::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr}, wi_0{nullptr}, wi_1{nullptr}, wo{nullptr};
  layers::Embedding relative_attention_bias{nullptr};
};
TORCH_MODULE(T5Block);

class T5EncoderModelImpl : public torch::nn::Module {
 public:
  T5EncoderModelImpl(const T5EncoderConfig& config, const torch::TensorOptions& options);
  // ids: [B, L] int64 (any L >= 1: relative positions need no table of positions).
  // Returns last_hidden_state [B, L, d_model]. No attention mask: SD3 (diffusers
  // StableDiffusion3Pipeline._get_t5_prompt_embeds) encodes the padded ids without one.
  torch::Tensor forward(const torch::Tensor& ids);
  const T5EncoderConfig& config() const { return config_; }

 private:
  T5EncoderConfig config_;
  layers::Embedding shared{nullptr};
  std::vector<T5Block> blocks_;
  T5RmsNorm final_layer_norm{nullptr};
};
TORCH_MODULE(T5EncoderModel);

// Loads a T5EncoderModel from transformers' tensors. The token table may be stored as
// shared.weight, encoder.embed_tokens.weight (its tied copy) or both; any other missing,
// misshapen or unexpected tensor is an InputError naming it.
WeightLoadReport load_t5_encoder_weights(T5EncoderModel& model, std::shared_ptr<const WeightSource> source,
                                         torch::Dtype dtype, const torch::Device& device);

}  // namespace drf
