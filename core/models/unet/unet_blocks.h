// The UNet's down, mid and up blocks (diffusers CrossAttnDownBlock2D / DownBlock2D,
// UNetMidBlock2DCrossAttn, CrossAttnUpBlock2D / UpBlock2D). A block "with attention" has one
// Transformer2D after each resnet; keys: resnets.{j}, attentions.{j}, downsamplers.0 /
// upsamplers.0.
#pragma once
#include "core/models/nn/resampling.h"
#include "core/models/nn/resnet_block_2d.h"
#include "core/models/nn/transformer_2d.h"

namespace drf {

struct UNetBlockOptions {
  int64_t in_channels = 0;   // down: block input; up: channels of the skip at the deepest layer
  int64_t out_channels = 0;
  int64_t prev_out_channels = 0;  // up only: channels coming from the block below
  int64_t temb_channels = 0;
  int64_t layers = 1;             // resnets (up blocks: layers_per_block + 1)
  bool attention = false;
  bool resample = false;          // down: add a downsampler; up: add an upsampler
  int64_t downsample_padding = 1;
  int64_t groups = 32;
  double eps = 1e-5;
  double output_scale_factor = 1.0;
  Transformer2DOptions transformer;  // heads, context dim... (channels filled per block)
};

class DownBlockImpl : public torch::nn::Module {
 public:
  DownBlockImpl(const UNetBlockOptions& o, const torch::TensorOptions& options);
  // Appends every layer's output (and the downsampled one) to `skips`.
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                        std::vector<torch::Tensor>& skips);

 private:
  std::vector<ResnetBlock2D> resnets_;
  std::vector<Transformer2D> attentions_;
  Downsample2D down_{nullptr};
};
TORCH_MODULE(DownBlock);

class MidBlockImpl : public torch::nn::Module {
 public:
  MidBlockImpl(const UNetBlockOptions& o, const torch::TensorOptions& options);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context);

 private:
  std::vector<ResnetBlock2D> resnets_;
  std::vector<Transformer2D> attentions_;
};
TORCH_MODULE(MidBlock);

class UpBlockImpl : public torch::nn::Module {
 public:
  UpBlockImpl(const UNetBlockOptions& o, const torch::TensorOptions& options);
  // Consumes one skip per resnet from the back of `skips`; upsamples to `upsample_size`.
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                        std::vector<torch::Tensor>& skips, const std::vector<int64_t>& upsample_size);
  std::size_t layers() const { return resnets_.size(); }

 private:
  std::vector<ResnetBlock2D> resnets_;
  std::vector<Transformer2D> attentions_;
  Upsample2D up_{nullptr};
};
TORCH_MODULE(UpBlock);

}  // namespace drf
