// diffusers UNet2DConditionModel: the noise-prediction network of SD 1.x / 2.x and of the
// built-in pixel-space emoji model. Parameter names equal the diffusers checkpoint keys
// (conv_in, time_embedding.linear_1, down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q,
// ...), so a diffusion_pytorch_model.safetensors loads by name.
#pragma once
#include "core/util/errors.h"
#include "core/models/nn/timestep_embedding.h"
#include "core/models/unet/unet_blocks.h"
#include "core/models/unet/unet_config.h"

namespace drf {

class UNet2DConditionModelImpl : public torch::nn::Module {
 public:
  // Parameters are created empty on options' device and dtype: load or initialise them next.
  UNet2DConditionModelImpl(const UNetConfig& config, const torch::TensorOptions& options);

  // sample: [B, in_channels, H, W]; timesteps: [B] or [1] (any dtype; used as float);
  // context: [B, S, cross_attention_dim]. Returns [B, out_channels, H, W] in sample's dtype.
  // A text_time UNet (SDXL) also needs text_embeds [B, P] (pooled text embedding) and
  // time_ids [B, N] (diffusers' added_cond_kwargs); others must not get them.
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps, const torch::Tensor& context,
                        const torch::Tensor& text_embeds = {}, const torch::Tensor& time_ids = {});

  const UNetConfig& config() const { return config_; }

 private:
  // text_time: add_embedding(concat(text_embeds, sinusoids of each time id)), [B, temb] in dtype.
  torch::Tensor added_time_embedding(const torch::Tensor& text_embeds, const torch::Tensor& time_ids, int64_t batch,
                                     torch::Dtype dtype);
  UNetConfig config_;
  layers::Conv2d conv_in{nullptr}, conv_out{nullptr};
  TimestepEmbedding time_embedding{nullptr};
  TimestepEmbedding add_embedding{nullptr};  // text_time only
  std::vector<DownBlock> down_;
  MidBlock mid_block{nullptr};
  std::vector<UpBlock> up_;
  layers::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(UNet2DConditionModel);

// The parameters a UNet of this configuration has, counted on the meta device (no memory): what
// the weights budget (core/models/loaders/weights_budget.h) compares with the files.
int64_t unet_parameters(const UNetConfig& config);

}  // namespace drf
