#include "core/models/clip/clip_text_model.h"

#include "core/models/loaders/weights_budget.h"
#include "core/models/nn/attention.h"
#include "core/models/nn/layers.h"
#include "core/util/errors.h"
#include "core/util/torch_compat.h"

namespace drf {

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextConfig& c, const torch::TensorOptions& options)
    : heads_(c.num_attention_heads), quick_gelu_(c.hidden_act == "quick_gelu") {
  const int64_t d = c.hidden_size;
  auto attn = register_module("self_attn", std::make_shared<torch::nn::Module>());
  q_proj = attn->register_module("q_proj", layers::Linear(d, d, options));
  k_proj = attn->register_module("k_proj", layers::Linear(d, d, options));
  v_proj = attn->register_module("v_proj", layers::Linear(d, d, options));
  out_proj = attn->register_module("out_proj", layers::Linear(d, d, options));
  layer_norm1 = register_module("layer_norm1", layers::LayerNorm(d, c.layer_norm_eps, options));
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  fc1 = mlp->register_module("fc1", layers::Linear(d, c.intermediate_size, options));
  fc2 = mlp->register_module("fc2", layers::Linear(c.intermediate_size, d, options));
  layer_norm2 = register_module("layer_norm2", layers::LayerNorm(d, c.layer_norm_eps, options));
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x) {
  auto h = layer_norm1(x);
  auto q = split_heads(q_proj(h), heads_);
  auto k = split_heads(k_proj(h), heads_);
  auto v = split_heads(v_proj(h), heads_);
  auto y = x + out_proj(merge_heads(compat::causal_attention(q, k, v)));
  h = fc1(layer_norm2(y));
  h = quick_gelu_ ? h * torch::sigmoid(h * 1.702) : torch::gelu(h);
  return y + fc2(h);
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& c, const torch::TensorOptions& options) : config_(c) {
  c.validate("CLIP text config");
  auto text_model = register_module("text_model", std::make_shared<torch::nn::Module>());
  auto embeddings = text_model->register_module("embeddings", std::make_shared<torch::nn::Module>());
  token_embedding = embeddings->register_module("token_embedding", layers::Embedding(c.vocab_size, c.hidden_size, options));
  position_embedding = embeddings->register_module(
      "position_embedding", layers::Embedding(c.max_position_embeddings, c.hidden_size, options));
  auto encoder = text_model->register_module("encoder", std::make_shared<torch::nn::Module>());
  auto list = encoder->register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layers_.emplace_back(c, options);
    list->push_back(layers_.back());
  }
  final_layer_norm = text_model->register_module("final_layer_norm",
                                                 layers::LayerNorm(c.hidden_size, c.layer_norm_eps, options));
  if (c.with_projection)
    text_projection = register_module("text_projection",
                                      layers::Linear(c.hidden_size, c.projection_dim, options, /*with_bias=*/false));
}

torch::Tensor ClipTextModelImpl::embed(const torch::Tensor& ids) {
  const int64_t len = ids.size(1);
  if (len > config_.max_position_embeddings)
    throw UsageError("token sequence of " + std::to_string(len) + " is longer than the text encoder's " +
                     std::to_string(config_.max_position_embeddings) + " positions");
  auto positions = torch::arange(len, torch::TensorOptions().dtype(torch::kLong).device(ids.device()));
  return token_embedding(ids) + position_embedding(positions).unsqueeze(0);
}

ClipTextModelImpl::PenultimateOutput ClipTextModelImpl::forward_penultimate(const torch::Tensor& ids,
                                                                            int64_t clip_skip) {
  const int64_t n = config_.num_hidden_layers;
  if (clip_skip < 0 || clip_skip + 1 >= n)
    throw UsageError("clip skip " + std::to_string(clip_skip) + " is out of range: this text encoder has " +
                     std::to_string(n) + " layers and conditions on the penultimate one");
  auto x = embed(ids);
  PenultimateOutput out;
  for (int64_t i = 0; i < n; ++i) {
    x = layers_[static_cast<std::size_t>(i)](x);
    if (i == n - 2 - clip_skip) out.hidden = x;
  }
  x = final_layer_norm(x);
  // transformers' CLIPTextTransformer pooling (eos_token_id 2 is its legacy "highest id" rule).
  const auto eos = config_.eos_token_id == 2 ? ids.to(torch::kInt).argmax(-1)
                                             : (ids == config_.eos_token_id).to(torch::kInt).argmax(-1);
  auto rows = torch::arange(ids.size(0), torch::TensorOptions().dtype(torch::kLong).device(ids.device()));
  auto pooled = x.index({rows, eos.to(torch::kLong)});
  out.pooled = text_projection ? text_projection(pooled) : pooled;
  return out;
}

torch::Tensor ClipTextModelImpl::forward(const torch::Tensor& ids, int64_t clip_skip) {
  const int64_t n = config_.num_hidden_layers;
  if (clip_skip < 0 || clip_skip >= n)
    throw UsageError("clip skip " + std::to_string(clip_skip) + " is out of range: this text encoder has " +
                     std::to_string(n) + " layers");
  auto x = embed(ids);
  for (int64_t i = 0; i < n - clip_skip; ++i) x = layers_[static_cast<std::size_t>(i)](x);
  return final_layer_norm(x);
}

int64_t clip_text_parameters(const ClipTextConfig& config) {
  return parameters_on_meta([&](const torch::TensorOptions& o) { return layers::parameter_count(*ClipTextModel(config, o)); });
}

}  // namespace drf
