// The AutoencoderKL encoder and decoder (diffusers Encoder / Decoder with DownEncoderBlock2D,
// UpDecoderBlock2D and UNetMidBlock2D). Keys: conv_in, down_blocks.{i}.resnets.{j},
// down_blocks.{i}.downsamplers.0.conv, mid_block.resnets.{0,1}, mid_block.attentions.0.{group_norm,
// to_q,to_k,to_v,to_out.0}, up_blocks.{i}..., conv_norm_out, conv_out.
#pragma once
#include "core/models/nn/resampling.h"
#include "core/models/nn/resnet_block_2d.h"
#include "core/models/vae/vae_config.h"

namespace drf {

// Single-head spatial self-attention with a residual (diffusers Attention built from the
// deprecated VAE attention block: group_norm, biased q/k/v, softmax in fp32).
class VaeAttentionImpl : public torch::nn::Module {
 public:
  VaeAttentionImpl(int64_t channels, int64_t groups, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  layers::GroupNorm group_norm{nullptr};
  layers::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, out{nullptr};
};
TORCH_MODULE(VaeAttention);

class VaeMidBlockImpl : public torch::nn::Module {
 public:
  VaeMidBlockImpl(int64_t channels, int64_t groups, bool attention, const torch::TensorOptions& options);
  torch::Tensor forward(torch::Tensor x);

 private:
  std::vector<ResnetBlock2D> resnets_;
  VaeAttention attention_{nullptr};
};
TORCH_MODULE(VaeMidBlock);

class VaeEncoderImpl : public torch::nn::Module {
 public:
  VaeEncoderImpl(const VaeConfig& c, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& image);  // -> [B, 2*latent, h, w] moments

 private:
  layers::Conv2d conv_in{nullptr}, conv_out{nullptr};
  std::vector<std::vector<ResnetBlock2D>> resnets_;
  std::vector<Downsample2D> downs_;
  VaeMidBlock mid_block{nullptr};
  layers::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
 public:
  VaeDecoderImpl(const VaeConfig& c, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& z);

 private:
  layers::Conv2d conv_in{nullptr}, conv_out{nullptr};
  VaeMidBlock mid_block{nullptr};
  std::vector<std::vector<ResnetBlock2D>> resnets_;
  std::vector<Upsample2D> ups_;
  layers::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeDecoder);

}  // namespace drf
