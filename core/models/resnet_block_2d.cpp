#include "core/models/resnet_block_2d.h"

namespace drf {

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetBlockOptions& o, const torch::TensorOptions& options)
    : output_scale_factor_(o.output_scale_factor) {
  norm1 = register_module("norm1", layers::GroupNorm(o.groups, o.in_channels, o.eps, options));
  conv1 = register_module("conv1", layers::Conv2d(o.in_channels, o.out_channels, 3, 1, 1, options));
  if (o.temb_channels > 0)
    time_emb_proj = register_module("time_emb_proj", layers::Linear(o.temb_channels, o.out_channels, options));
  norm2 = register_module("norm2", layers::GroupNorm(o.groups, o.out_channels, o.eps, options));
  conv2 = register_module("conv2", layers::Conv2d(o.out_channels, o.out_channels, 3, 1, 1, options));
  if (o.in_channels != o.out_channels)
    conv_shortcut = register_module("conv_shortcut", layers::Conv2d(o.in_channels, o.out_channels, 1, 1, 0, options));
}

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  auto h = conv1(torch::silu(norm1(x)));
  if (time_emb_proj && temb.defined()) h = h + time_emb_proj(torch::silu(temb)).unsqueeze(-1).unsqueeze(-1);
  h = conv2(torch::silu(norm2(h)));
  auto skip = conv_shortcut ? conv_shortcut(x) : x;
  auto out = skip + h;
  return output_scale_factor_ == 1.0 ? out : out / output_scale_factor_;
}

}  // namespace drf
