#include "core/models/t5/t5_encoder.h"

#include <cmath>
#include <limits>

#include "core/models/nn/attention.h"
#include "core/util/errors.h"

namespace drf {

T5RmsNormImpl::T5RmsNormImpl(int64_t dim, double eps_in, const torch::TensorOptions& options) : eps(eps_in) {
  weight = register_parameter("weight", torch::empty({dim}, options), false);
}

torch::Tensor T5RmsNormImpl::forward(const torch::Tensor& x) {
  auto xf = x.to(torch::kFloat32);
  auto h = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  // transformers casts to the weight's dtype only for fp16/bf16 weights (fp32 weights with a
  // fp64 run keep fp64): cast to the input's dtype, which is the weight's in every use here.
  return weight * h.to(x.scalar_type());
}

torch::Tensor t5_relative_position_buckets(int64_t length, int64_t num_buckets, int64_t max_distance,
                                           const torch::Device& device) {
  auto pos = torch::arange(length, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto relative = pos.unsqueeze(0) - pos.unsqueeze(1);  // key position - query position
  const int64_t half = num_buckets / 2;                 // bidirectional: half the buckets per sign
  auto buckets = (relative > 0).to(torch::kLong) * half;
  auto distance = relative.abs();
  const int64_t max_exact = half / 2;
  // Offsets from max_exact to max_distance share logarithmically wider buckets; the arithmetic
  // is transformers' (float32 log, truncation toward zero) so bucket edges match exactly.
  auto large = max_exact + (torch::log(distance.to(torch::kFloat32) / static_cast<float>(max_exact)) /
                            static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact)) *
                            static_cast<float>(half - max_exact))
                               .to(torch::kLong);
  large = torch::clamp_max(large, half - 1);
  return buckets + torch::where(distance < max_exact, distance, large);
}

T5BlockImpl::T5BlockImpl(const T5EncoderConfig& c, bool has_relative_bias, const torch::TensorOptions& options)
    : c_(c) {
  const int64_t d = c.d_model, inner = c.inner_dim();
  auto layer = register_module("layer", torch::nn::ModuleList());
  auto attn_layer = std::make_shared<torch::nn::Module>();
  layer->push_back(attn_layer);
  auto sa = attn_layer->register_module("SelfAttention", std::make_shared<torch::nn::Module>());
  q = sa->register_module("q", layers::Linear(d, inner, options, false));
  k = sa->register_module("k", layers::Linear(d, inner, options, false));
  v = sa->register_module("v", layers::Linear(d, inner, options, false));
  o = sa->register_module("o", layers::Linear(inner, d, options, false));
  if (has_relative_bias)
    relative_attention_bias = sa->register_module(
        "relative_attention_bias", layers::Embedding(c.relative_attention_num_buckets, c.num_heads, options));
  attn_norm = attn_layer->register_module("layer_norm", T5RmsNorm(d, c.layer_norm_epsilon, options));
  auto ff_layer = std::make_shared<torch::nn::Module>();
  layer->push_back(ff_layer);
  auto ff = ff_layer->register_module("DenseReluDense", std::make_shared<torch::nn::Module>());
  wi_0 = ff->register_module("wi_0", layers::Linear(d, c.d_ff, options, false));
  wi_1 = ff->register_module("wi_1", layers::Linear(d, c.d_ff, options, false));
  wo = ff->register_module("wo", layers::Linear(c.d_ff, d, options, false));
  ff_norm = ff_layer->register_module("layer_norm", T5RmsNorm(d, c.layer_norm_epsilon, options));
}

torch::Tensor T5BlockImpl::position_bias(int64_t length) const {
  if (!relative_attention_bias) throw UsageError("T5 position bias requested from a block without the table");
  auto buckets = t5_relative_position_buckets(length, c_.relative_attention_num_buckets,
                                              c_.relative_attention_max_distance, relative_attention_bias->weight.device());
  return torch::embedding(relative_attention_bias->weight, buckets).permute({2, 0, 1}).unsqueeze(0);  // [1, heads, L, L]
}

namespace {

// transformers clamps fp16 activations after each sub-layer (T5 v1.1 overflows fp16 otherwise).
torch::Tensor clamp_fp16(const torch::Tensor& x) {
  if (x.scalar_type() != torch::kHalf) return x;
  const double max = 65504.0;
  const double limit = torch::isinf(x).any().item<bool>() ? max - 1000.0 : max;
  return torch::clamp(x, -limit, limit);
}

}  // namespace

torch::Tensor T5BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& position_bias) {
  auto h = attn_norm(x);
  auto qh = split_heads(q(h), c_.num_heads);  // [B, heads, L, d_kv]
  auto kh = split_heads(k(h), c_.num_heads);
  auto vh = split_heads(v(h), c_.num_heads);
  auto scores = torch::matmul(qh, kh.transpose(-1, -2)) + position_bias;  // T5: no 1/sqrt(d_kv)
  auto weights = torch::softmax(scores.to(torch::kFloat32), -1).to(scores.scalar_type());
  auto y = clamp_fp16(x + o(merge_heads(torch::matmul(weights, vh))));
  h = ff_norm(y);
  h = torch::gelu(wi_0(h), "tanh") * wi_1(h);  // gelu_new
  return clamp_fp16(y + wo(h));
}

T5EncoderModelImpl::T5EncoderModelImpl(const T5EncoderConfig& c, const torch::TensorOptions& options) : config_(c) {
  c.validate("T5 encoder config");
  shared = register_module("shared", layers::Embedding(c.vocab_size, c.d_model, options));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  auto list = encoder->register_module("block", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_layers; ++i) {
    blocks_.emplace_back(c, i == 0, options);
    list->push_back(blocks_.back());
  }
  final_layer_norm = encoder->register_module("final_layer_norm", T5RmsNorm(c.d_model, c.layer_norm_epsilon, options));
}

torch::Tensor T5EncoderModelImpl::forward(const torch::Tensor& ids) {
  if (ids.dim() != 2 || ids.size(1) < 1) throw UsageError("T5 encoder input must be [batch, tokens] ids");
  if (ids.numel() > 0) {
    const auto lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= config_.vocab_size)
      throw UsageError("token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the T5 vocabulary of " +
                       std::to_string(config_.vocab_size));
  }
  auto x = shared(ids);
  auto bias = blocks_.front()->position_bias(ids.size(1)).to(x.scalar_type());
  for (auto& block : blocks_) x = block(x, bias);
  return final_layer_norm(x);
}

WeightLoadReport load_t5_encoder_weights(T5EncoderModel& model, std::shared_ptr<const WeightSource> source,
                                         torch::Dtype dtype, const torch::Device& device) {
  const std::string kShared = "shared.weight", kTied = "encoder.embed_tokens.weight";
  std::shared_ptr<const WeightSource> view = source;
  if (!source->contains(kShared) && source->contains(kTied)) {
    // save_pretrained keeps one of the tied names: read the table from the one present.
    std::map<std::string, KeyMapping> mapping;
    for (const auto& name : source->names())
      if (name != kTied) mapping[name] = KeyMapping{name};
    mapping[kShared] = KeyMapping{kTied};
    view = std::make_shared<MappedWeightSource>(source, std::move(mapping));
  }
  WeightLoadOptions o;
  o.component = "T5 text encoder";
  o.ignorable = [kTied](const std::string& k) { return k == kTied; };
  return load_weights(*model, *view, dtype, device, o);
}

}  // namespace drf
