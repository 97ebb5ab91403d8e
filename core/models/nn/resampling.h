// diffusers Downsample2D / Upsample2D with a convolution (the only kind SD uses):
// down = 3x3 conv with stride 2 (padding 1 in the UNet; padding 0 after a one-pixel
// right/bottom zero pad in the VAE encoder); up = nearest-neighbour x2 (or to an explicit
// size, for odd sizes) then a 3x3 conv. Registered under "conv".
#pragma once
#include "core/models/nn/layers.h"

namespace drf {

class Downsample2DImpl : public torch::nn::Module {
 public:
  Downsample2DImpl(int64_t channels, int64_t padding, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t padding_;
  layers::Conv2d conv{nullptr};
};
TORCH_MODULE(Downsample2D);

class Upsample2DImpl : public torch::nn::Module {
 public:
  Upsample2DImpl(int64_t channels, const torch::TensorOptions& options);
  // size: target [h, w]; empty = twice the input size.
  torch::Tensor forward(const torch::Tensor& x, std::vector<int64_t> size = {});

 private:
  layers::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace drf
