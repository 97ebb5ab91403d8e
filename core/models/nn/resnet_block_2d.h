// diffusers ResnetBlock2D ("default" time-embedding norm, SiLU, pre-norm):
// x -> norm1 -> silu -> conv1 (+ time_emb_proj(silu(temb))) -> norm2 -> silu -> conv2,
// plus the (1x1 conv_shortcut when channels change) input, divided by output_scale_factor.
// Used by the UNet (with a time embedding) and the VAE (temb_channels = 0: no time_emb_proj).
#pragma once
#include "core/models/nn/layers.h"

namespace drf {

struct ResnetBlockOptions {
  int64_t in_channels = 0, out_channels = 0;
  int64_t temb_channels = 0;  // 0 = no time embedding
  int64_t groups = 32;
  double eps = 1e-5;
  double output_scale_factor = 1.0;
};

class ResnetBlock2DImpl : public torch::nn::Module {
 public:
  ResnetBlock2DImpl(const ResnetBlockOptions& o, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb = {});

 private:
  double output_scale_factor_;
  layers::GroupNorm norm1{nullptr}, norm2{nullptr};
  layers::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
  layers::Linear time_emb_proj{nullptr};
};
TORCH_MODULE(ResnetBlock2D);

}  // namespace drf
