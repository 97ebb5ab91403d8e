// transformers CLIPTextModel: token + position embeddings, pre-LayerNorm encoder layers with a
// causal mask (quick_gelu or gelu MLP), final_layer_norm. Keys as in a text_encoder
// model.safetensors: text_model.embeddings.token_embedding.weight,
// text_model.encoder.layers.{i}.self_attn.q_proj.weight, text_model.final_layer_norm.bias, ...
#pragma once
#include "core/models/clip/clip_text_config.h"
#include "core/models/nn/layers.h"

namespace drf {

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  ClipEncoderLayerImpl(const ClipTextConfig& c, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t heads_;
  bool quick_gelu_;
  layers::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  layers::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipTextModelImpl : public torch::nn::Module {
 public:
  ClipTextModelImpl(const ClipTextConfig& config, const torch::TensorOptions& options);

  // ids: [B, L] int64 with L <= max_position_embeddings. Returns [B, L, hidden]: the output of
  // layer (num_hidden_layers - clip_skip) passed through final_layer_norm, as diffusers does
  // for its clip_skip argument (0 = last layer = last_hidden_state). Throws UsageError when
  // clip_skip leaves no layer.
  torch::Tensor forward(const torch::Tensor& ids, int64_t clip_skip = 0);

  // What SDXL conditions on (diffusers' encode_prompt): `hidden` = hidden_states[-(2 +
  // clip_skip)], the output of layer (num_hidden_layers - 1 - clip_skip) WITHOUT
  // final_layer_norm; `pooled` = final_layer_norm(last layer) at the end-of-text token, through
  // text_projection when the model has one (text_embeds), else the pooled state itself.
  struct PenultimateOutput {
    torch::Tensor hidden;  // [B, L, hidden]
    torch::Tensor pooled;  // [B, projection_dim] or [B, hidden]
  };
  PenultimateOutput forward_penultimate(const torch::Tensor& ids, int64_t clip_skip = 0);

  const ClipTextConfig& config() const { return config_; }

 private:
  ClipTextConfig config_;
  layers::Embedding token_embedding{nullptr}, position_embedding{nullptr};
  std::vector<ClipEncoderLayer> layers_;
  layers::LayerNorm final_layer_norm{nullptr};
  layers::Linear text_projection{nullptr};  // with_projection only

  torch::Tensor embed(const torch::Tensor& ids);
};
TORCH_MODULE(ClipTextModel);

// The parameters a text encoder of this configuration has, counted on the meta device (no
// memory): what the weights budget (core/models/loaders/weights_budget.h) compares with the files.
int64_t clip_text_parameters(const ClipTextConfig& config);

}  // namespace drf
