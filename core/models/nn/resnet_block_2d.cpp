#include "core/models/nn/resnet_block_2d.h"

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

namespace {
torch::Tensor sum_of_defined(const torch::Tensor& a, const torch::Tensor& b) {
  return !a.defined() ? b : !b.defined() ? a : a + b;
}
}  // namespace

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  // conv1's bias and the timestep embedding are both constant per (sample, channel): they
  // join into one shift that norm2's fused kernel adds while normalising, instead of two
  // extra passes over the activation.
  auto h = conv1->forward_with_bias(norm1->norm_silu(x), torch::Tensor());
  auto shift = sum_of_defined(conv1->bias, time_emb_proj && temb.defined() ? time_emb_proj(torch::silu(temb))
                                                                           : torch::Tensor());
  if (shift.defined()) shift = shift.expand({h.size(0), h.size(1)}).contiguous();
  h = norm2->norm_silu(h, shift);
  // Likewise conv2's bias rides on the shortcut's (a GEMM epilogue) when there is one, and
  // conv2's output joins as that product's residual.
  auto out = conv_shortcut ? conv_shortcut->forward_with_bias(x, sum_of_defined(conv_shortcut->bias, conv2->bias),
                                                              conv2->forward_with_bias(h, torch::Tensor()))
                           : x + conv2(h);
  return output_scale_factor_ == 1.0 ? out : out / output_scale_factor_;
}

}  // namespace drf
