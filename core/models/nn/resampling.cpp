#include "core/models/nn/resampling.h"

namespace drf {

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t padding, const torch::TensorOptions& options)
    : padding_(padding) {
  conv = register_module("conv", layers::Conv2d(channels, channels, 3, 2, padding, options));
}

torch::Tensor Downsample2DImpl::forward(const torch::Tensor& x) {
  if (padding_ == 0) return conv(torch::constant_pad_nd(x, {0, 1, 0, 1}));
  return conv(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, const torch::TensorOptions& options) {
  conv = register_module("conv", layers::Conv2d(channels, channels, 3, 1, 1, options));
}

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x, std::vector<int64_t> size) {
  if (size.empty()) size = {x.size(2) * 2, x.size(3) * 2};
  return conv(torch::upsample_nearest2d(x, size));
}

}  // namespace drf
