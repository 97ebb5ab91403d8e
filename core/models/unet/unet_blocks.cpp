#include "core/models/unet/unet_blocks.h"

namespace drf {
namespace {

ResnetBlockOptions resnet_options(const UNetBlockOptions& o, int64_t in, int64_t out) {
  ResnetBlockOptions r;
  r.in_channels = in;
  r.out_channels = out;
  r.temb_channels = o.temb_channels;
  r.groups = o.groups;
  r.eps = o.eps;
  r.output_scale_factor = o.output_scale_factor;
  return r;
}

Transformer2DOptions transformer_options(const UNetBlockOptions& o, int64_t channels) {
  Transformer2DOptions t = o.transformer;
  t.channels = channels;
  t.head_dim = channels / t.heads;
  t.groups = o.groups;
  return t;
}

}  // namespace

DownBlockImpl::DownBlockImpl(const UNetBlockOptions& o, const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  torch::nn::ModuleList attentions;
  if (o.attention) attentions = register_module("attentions", torch::nn::ModuleList());
  for (int64_t j = 0; j < o.layers; ++j) {
    resnets_.emplace_back(resnet_options(o, j == 0 ? o.in_channels : o.out_channels, o.out_channels), options);
    resnets->push_back(resnets_.back());
    if (o.attention) {
      attentions_.emplace_back(transformer_options(o, o.out_channels), options);
      attentions->push_back(attentions_.back());
    }
  }
  if (o.resample) {
    down_ = Downsample2D(o.out_channels, o.downsample_padding, options);
    register_module("downsamplers", torch::nn::ModuleList())->push_back(down_);
  }
}

torch::Tensor DownBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                                     std::vector<torch::Tensor>& skips) {
  for (std::size_t j = 0; j < resnets_.size(); ++j) {
    x = resnets_[j](x, temb);
    if (!attentions_.empty()) x = attentions_[j](x, context);
    skips.push_back(x);
  }
  if (down_) {
    x = down_(x);
    skips.push_back(x);
  }
  return x;
}

MidBlockImpl::MidBlockImpl(const UNetBlockOptions& o, const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  auto attentions = register_module("attentions", torch::nn::ModuleList());
  for (int j = 0; j < 2; ++j) {
    resnets_.emplace_back(resnet_options(o, o.in_channels, o.in_channels), options);
    resnets->push_back(resnets_.back());
  }
  attentions_.emplace_back(transformer_options(o, o.in_channels), options);
  attentions->push_back(attentions_.back());
}

torch::Tensor MidBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context) {
  x = resnets_[0](x, temb);
  x = attentions_[0](x, context);
  return resnets_[1](x, temb);
}

UpBlockImpl::UpBlockImpl(const UNetBlockOptions& o, const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  torch::nn::ModuleList attentions;
  if (o.attention) attentions = register_module("attentions", torch::nn::ModuleList());
  for (int64_t j = 0; j < o.layers; ++j) {
    const int64_t skip = j == o.layers - 1 ? o.in_channels : o.out_channels;
    const int64_t in = j == 0 ? o.prev_out_channels : o.out_channels;
    resnets_.emplace_back(resnet_options(o, in + skip, o.out_channels), options);
    resnets->push_back(resnets_.back());
    if (o.attention) {
      attentions_.emplace_back(transformer_options(o, o.out_channels), options);
      attentions->push_back(attentions_.back());
    }
  }
  if (o.resample) {
    up_ = Upsample2D(o.out_channels, options);
    register_module("upsamplers", torch::nn::ModuleList())->push_back(up_);
  }
}

torch::Tensor UpBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                                   std::vector<torch::Tensor>& skips, const std::vector<int64_t>& upsample_size) {
  for (std::size_t j = 0; j < resnets_.size(); ++j) {
    x = resnets_[j](torch::cat({x, skips.back()}, 1), temb);
    skips.pop_back();
    if (!attentions_.empty()) x = attentions_[j](x, context);
  }
  if (up_) x = up_(x, upsample_size);
  return x;
}

}  // namespace drf
