#include "core/models/unet/unet_2d_condition.h"

#include <algorithm>
#include <string>

#include "core/models/loaders/weights_budget.h"
#include "core/models/nn/layers.h"

namespace drf {
namespace {

std::string shape_string(const torch::Tensor& t) {
  if (!t.defined()) return "(none)";
  std::string s = "[";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

}  // namespace

torch::Tensor UNet2DConditionModelImpl::added_time_embedding(const torch::Tensor& text_embeds,
                                                             const torch::Tensor& time_ids, int64_t batch,
                                                             torch::Dtype dtype) {
  const UNetConfig& c = config_;
  if (!text_embeds.defined() || !time_ids.defined())
    throw InputError("an SDXL-type (text_time) UNet needs the pooled text embedding and the time ids");
  const int64_t n_ids = time_ids.numel() / std::max<int64_t>(batch, 1);
  if (text_embeds.dim() != 2 || text_embeds.size(0) != batch || time_ids.dim() != 2 || time_ids.size(0) != batch ||
      text_embeds.size(1) + n_ids * c.addition_time_embed_dim != c.projection_class_embeddings_input_dim)
    throw InputError("text_time UNet: pooled embedding " + shape_string(text_embeds) + " and time ids " +
                     shape_string(time_ids) + " do not make " +
                     std::to_string(c.projection_class_embeddings_input_dim) + " features for a batch of " +
                     std::to_string(batch));
  // diffusers: add_time_proj(time_ids.flatten()) in float32, reshaped to [B, N * dim].
  auto ids = timestep_sinusoids(time_ids.reshape({-1}), c.addition_time_embed_dim, c.flip_sin_to_cos, c.freq_shift)
                 .reshape({batch, -1});
  return add_embedding(torch::cat({text_embeds.to(torch::kFloat32), ids}, -1).to(dtype));
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNetConfig& c, const torch::TensorOptions& options)
    : config_(c) {
  c.validate("UNet config");
  const int64_t n = c.blocks();
  const int64_t c0 = c.block_out_channels[0];
  const int64_t temb = c.time_embed_dim();
  conv_in = register_module("conv_in", layers::Conv2d(c.in_channels, c0, c.conv_in_kernel, 1,
                                                      (c.conv_in_kernel - 1) / 2, options));
  time_embedding = register_module("time_embedding", TimestepEmbedding(c0, temb, options));
  if (c.text_time())
    add_embedding = register_module(
        "add_embedding", TimestepEmbedding(c.projection_class_embeddings_input_dim, temb, options));

  UNetBlockOptions base;
  base.temb_channels = temb;
  base.groups = c.norm_num_groups;
  base.eps = c.norm_eps;
  base.downsample_padding = c.downsample_padding;
  base.transformer.context_dim = c.cross_attention_dim;
  base.transformer.linear_projection = c.use_linear_projection;
  base.transformer.upcast_attention = c.upcast_attention;

  auto downs = register_module("down_blocks", torch::nn::ModuleList());
  int64_t out = c0;
  for (int64_t i = 0; i < n; ++i) {
    UNetBlockOptions o = base;
    o.in_channels = out;
    out = o.out_channels = c.block_out_channels[i];
    o.layers = c.layers_per_block[i];
    o.attention = c.down_block_types[i] == "CrossAttnDownBlock2D";
    o.resample = i != n - 1;
    o.transformer.heads = c.attention_heads[i];
    o.transformer.layers = c.transformer_layers_per_block[i];
    down_.emplace_back(o, options);
    downs->push_back(down_.back());
  }

  UNetBlockOptions mid = base;
  mid.in_channels = mid.out_channels = c.block_out_channels.back();
  mid.output_scale_factor = c.mid_block_scale_factor;
  mid.transformer.heads = c.attention_heads.back();
  mid.transformer.layers = c.transformer_layers_per_block.back();
  mid_block = register_module("mid_block", MidBlock(mid, options));

  auto ups = register_module("up_blocks", torch::nn::ModuleList());
  std::vector<int64_t> rev = c.block_out_channels;
  std::reverse(rev.begin(), rev.end());
  out = rev[0];
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(n - 1 - i);  // the matching down block
    UNetBlockOptions o = base;
    o.prev_out_channels = out;
    out = o.out_channels = rev[static_cast<std::size_t>(i)];
    o.in_channels = rev[static_cast<std::size_t>(std::min(i + 1, n - 1))];
    o.layers = c.layers_per_block[k] + 1;
    o.attention = c.up_block_types[static_cast<std::size_t>(i)] == "CrossAttnUpBlock2D";
    o.resample = i != n - 1;
    o.transformer.heads = c.attention_heads[k];
    o.transformer.layers = c.transformer_layers_per_block[k];
    up_.emplace_back(o, options);
    ups->push_back(up_.back());
  }

  conv_norm_out = register_module("conv_norm_out", layers::GroupNorm(c.norm_num_groups, c0, c.norm_eps, options));
  conv_out = register_module("conv_out", layers::Conv2d(c0, c.out_channels, c.conv_out_kernel, 1,
                                                        (c.conv_out_kernel - 1) / 2, options));
}

torch::Tensor UNet2DConditionModelImpl::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                                const torch::Tensor& context, const torch::Tensor& text_embeds,
                                                const torch::Tensor& time_ids) {
  const UNetConfig& c = config_;
  torch::Tensor x = c.center_input_sample ? sample * 2 - 1 : sample;
  auto t = timesteps.reshape({-1}).expand({x.size(0)});
  auto t_features = timestep_sinusoids(t, c.block_out_channels[0], c.flip_sin_to_cos, c.freq_shift);
  auto temb = time_embedding(t_features.to(x.scalar_type()));
  if (c.text_time()) temb = temb + added_time_embedding(text_embeds, time_ids, x.size(0), x.scalar_type());
  else if (text_embeds.defined() || time_ids.defined())
    throw InputError("this UNet has no text_time embedding: pooled text embeddings and time ids are not inputs of it");

  x = conv_in(x);
  std::vector<torch::Tensor> skips{x};
  for (auto& block : down_) x = block(x, temb, context, skips);
  x = mid_block(x, temb, context);
  for (auto& block : up_) {
    // The upsampler targets the spatial size of the next skip connection, so odd latent
    // sizes work (diffusers' forward_upsample_size).
    const std::size_t remaining = skips.size() - block->layers();
    std::vector<int64_t> size;
    if (remaining > 0) size = {skips[remaining - 1].size(2), skips[remaining - 1].size(3)};
    x = block(x, temb, context, skips, size);
  }
  return conv_out(conv_norm_out->norm_silu(x));
}

int64_t unet_parameters(const UNetConfig& config) {
  return parameters_on_meta([&](const torch::TensorOptions& o) { return layers::parameter_count(*UNet2DConditionModel(config, o)); });
}

}  // namespace drf
