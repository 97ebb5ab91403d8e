#include "core/models/nn/layers.h"

#include "core/models/nn/fused_ops.h"

namespace drf::layers {

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride_, int64_t padding_,
                       const torch::TensorOptions& options, bool with_bias)
    : stride(stride_), padding(padding_) {
  weight = register_parameter("weight", torch::empty({out, in, kernel, kernel}, options), false);
  if (with_bias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) { return forward_with_bias(x, bias); }

bool is_channels_last(const torch::Tensor& t) {
  return t.dim() == 4 && t.is_contiguous(torch::MemoryFormat::ChannelsLast) && !t.is_contiguous();
}

torch::Tensor Conv2dImpl::forward_with_bias(const torch::Tensor& x, const torch::Tensor& b,
                                            const torch::Tensor& residual) {
  // A 1x1 convolution of a channels-last activation is one matrix product over the channel
  // axis; cuBLAS adds the bias (and the residual) in its epilogue where cuDNN spends extra
  // passes on them.
  const bool pointwise = weight.size(2) == 1 && weight.size(3) == 1 && stride == 1 && padding == 0;
  if (pointwise && is_channels_last(x) && (!residual.defined() || is_channels_last(residual))) {
    const auto rows = [](const torch::Tensor& t) { return t.permute({0, 2, 3, 1}); };  // [N, H, W, C] views
    auto y = fused::linear(rows(x), weight.reshape({weight.size(0), weight.size(1)}), b,
                           residual.defined() ? rows(residual) : torch::Tensor());
    return y.permute({0, 3, 1, 2});  // NCHW sizes, channels-last memory
  }
  auto y = torch::conv2d(x, weight, b, {stride, stride}, {padding, padding});
  return residual.defined() ? residual + y : y;
}

LinearImpl::LinearImpl(int64_t in, int64_t out, const torch::TensorOptions& options, bool with_bias) {
  weight = register_parameter("weight", torch::empty({out, in}, options), false);
  if (with_bias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) { return fused::linear(x, weight, bias); }

torch::Tensor LinearImpl::forward_add(const torch::Tensor& x, const torch::Tensor& residual, const torch::Tensor& out) {
  return fused::linear(x, weight, bias, residual, out);
}

torch::Tensor LinearImpl::forward_activated(const torch::Tensor& x, fused::Activation activation) {
  return fused::linear(x, weight, bias, {}, {}, activation);
}

torch::Tensor LinearImpl::forward_into(const torch::Tensor& x, const torch::Tensor& out) {
  return fused::linear(x, weight, bias, {}, out);
}

GroupNormImpl::GroupNormImpl(int64_t groups_, int64_t channels, double eps_, const torch::TensorOptions& options)
    : groups(groups_), eps(eps_) {
  weight = register_parameter("weight", torch::empty({channels}, options), false);
  bias = register_parameter("bias", torch::empty({channels}, options), false);
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x) {
  return fused::group_norm(x, groups, weight, bias, eps, /*silu=*/false);
}

torch::Tensor GroupNormImpl::norm_silu(const torch::Tensor& x, const torch::Tensor& shift) {
  return fused::group_norm(x, groups, weight, bias, eps, /*silu=*/true, shift);
}

LayerNormImpl::LayerNormImpl(int64_t dim, double eps_, const torch::TensorOptions& options) : eps(eps_) {
  weight = register_parameter("weight", torch::empty({dim}, options), false);
  bias = register_parameter("bias", torch::empty({dim}, options), false);
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) { return fused::layer_norm(x, weight, bias, eps); }

EmbeddingImpl::EmbeddingImpl(int64_t count, int64_t dim, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({count, dim}, options), false);
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& ids) { return torch::embedding(weight, ids); }

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace drf::layers
