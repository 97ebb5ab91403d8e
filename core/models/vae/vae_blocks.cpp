#include "core/models/vae/vae_blocks.h"

#include <algorithm>

#include "core/models/nn/attention.h"
#include "core/util/torch_compat.h"

namespace drf {
namespace {

constexpr double kVaeEps = 1e-6;

ResnetBlock2D vae_resnet(int64_t in, int64_t out, int64_t groups, const torch::TensorOptions& options) {
  ResnetBlockOptions r;
  r.in_channels = in;
  r.out_channels = out;
  r.groups = groups;
  r.eps = kVaeEps;
  return ResnetBlock2D(r, options);
}

}  // namespace

VaeAttentionImpl::VaeAttentionImpl(int64_t channels, int64_t groups, const torch::TensorOptions& options) {
  group_norm = register_module("group_norm", layers::GroupNorm(groups, channels, kVaeEps, options));
  to_q = register_module("to_q", layers::Linear(channels, channels, options));
  to_k = register_module("to_k", layers::Linear(channels, channels, options));
  to_v = register_module("to_v", layers::Linear(channels, channels, options));
  out = layers::Linear(channels, channels, options);
  register_module("to_out", torch::nn::ModuleList())->push_back(out);
}

torch::Tensor VaeAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto t = group_norm(x).view({b, c, h * w}).transpose(1, 2);  // [B, HW, C]
  auto q = to_q(t).unsqueeze(1), k = to_k(t).unsqueeze(1), v = to_v(t).unsqueeze(1);
  auto o = compat::attention(q, k, v, /*upcast_softmax=*/true).squeeze(1);
  return out(o).transpose(1, 2).reshape({b, c, h, w}) + x;
}

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels, int64_t groups, bool attention, const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  for (int j = 0; j < 2; ++j) {
    resnets_.push_back(vae_resnet(channels, channels, groups, options));
    resnets->push_back(resnets_.back());
  }
  if (attention) {
    attention_ = VaeAttention(channels, groups, options);
    register_module("attentions", torch::nn::ModuleList())->push_back(attention_);
  }
}

torch::Tensor VaeMidBlockImpl::forward(torch::Tensor x) {
  x = resnets_[0](x);
  if (attention_) x = attention_(x);
  return resnets_[1](x);
}

VaeEncoderImpl::VaeEncoderImpl(const VaeConfig& c, const torch::TensorOptions& options) {
  const auto& ch = c.block_out_channels;
  const std::size_t n = ch.size();
  conv_in = register_module("conv_in", layers::Conv2d(c.in_channels, ch[0], 3, 1, 1, options));
  auto blocks = register_module("down_blocks", torch::nn::ModuleList());
  int64_t out = ch[0];
  for (std::size_t i = 0; i < n; ++i) {
    auto block = std::make_shared<torch::nn::Module>();
    auto resnets = block->register_module("resnets", torch::nn::ModuleList());
    resnets_.emplace_back();
    for (int64_t j = 0; j < c.layers_per_block; ++j) {
      resnets_.back().push_back(vae_resnet(j == 0 ? out : ch[i], ch[i], c.norm_num_groups, options));
      resnets->push_back(resnets_.back().back());
    }
    out = ch[i];
    if (i + 1 < n) {
      downs_.push_back(Downsample2D(out, 0, options));
      block->register_module("downsamplers", torch::nn::ModuleList())->push_back(downs_.back());
    }
    blocks->push_back(block);
  }
  mid_block = register_module("mid_block", VaeMidBlock(out, c.norm_num_groups, c.mid_block_add_attention, options));
  conv_norm_out = register_module("conv_norm_out", layers::GroupNorm(c.norm_num_groups, out, kVaeEps, options));
  conv_out = register_module("conv_out", layers::Conv2d(out, 2 * c.latent_channels, 3, 1, 1, options));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& image) {
  auto x = conv_in(image);
  for (std::size_t i = 0; i < resnets_.size(); ++i) {
    for (auto& r : resnets_[i]) x = r(x);
    if (i < downs_.size()) x = downs_[i](x);
  }
  x = mid_block(x);
  return conv_out(conv_norm_out->norm_silu(x));
}

VaeDecoderImpl::VaeDecoderImpl(const VaeConfig& c, const torch::TensorOptions& options) {
  std::vector<int64_t> rev = c.block_out_channels;
  std::reverse(rev.begin(), rev.end());
  const std::size_t n = rev.size();
  conv_in = register_module("conv_in", layers::Conv2d(c.latent_channels, rev[0], 3, 1, 1, options));
  mid_block = register_module("mid_block", VaeMidBlock(rev[0], c.norm_num_groups, c.mid_block_add_attention, options));
  auto blocks = register_module("up_blocks", torch::nn::ModuleList());
  int64_t prev = rev[0];
  for (std::size_t i = 0; i < n; ++i) {
    auto block = std::make_shared<torch::nn::Module>();
    auto resnets = block->register_module("resnets", torch::nn::ModuleList());
    resnets_.emplace_back();
    for (int64_t j = 0; j <= c.layers_per_block; ++j) {
      resnets_.back().push_back(vae_resnet(j == 0 ? prev : rev[i], rev[i], c.norm_num_groups, options));
      resnets->push_back(resnets_.back().back());
    }
    prev = rev[i];
    if (i + 1 < n) {
      ups_.push_back(Upsample2D(prev, options));
      block->register_module("upsamplers", torch::nn::ModuleList())->push_back(ups_.back());
    }
    blocks->push_back(block);
  }
  conv_norm_out = register_module("conv_norm_out", layers::GroupNorm(c.norm_num_groups, prev, kVaeEps, options));
  conv_out = register_module("conv_out", layers::Conv2d(prev, c.out_channels, 3, 1, 1, options));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z) {
  auto x = mid_block(conv_in(z));
  for (std::size_t i = 0; i < resnets_.size(); ++i) {
    for (auto& r : resnets_[i]) x = r(x);
    if (i < ups_.size()) x = ups_[i](x);
  }
  return conv_out(conv_norm_out->norm_silu(x));
}

}  // namespace drf
