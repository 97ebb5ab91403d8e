#include "core/models/nn/transformer_2d.h"

#include "core/models/nn/fused_ops.h"
#include "core/util/balanced_parts.h"

namespace drf {

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t inner, const torch::TensorOptions& options) {
  auto net = register_module("net", torch::nn::ModuleList());
  auto geglu = std::make_shared<torch::nn::Module>();
  proj = geglu->register_module("proj", layers::Linear(dim, inner * 2, options));
  net->push_back(geglu);
  net->push_back(torch::nn::Dropout(0.0));
  out = layers::Linear(inner, dim, options);
  net->push_back(out);
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  const int64_t dim = x.size(-1);
  const int64_t rows = x.numel() / dim;
  // The passes write into one preallocated result (out=), which autograd cannot differentiate:
  // a forward that records gradients (training, distillation) takes all rows at once.
  const bool records_gradients =
      torch::GradMode::is_enabled() &&
      (x.requires_grad() || residual.requires_grad() || proj->weight.requires_grad() || out->weight.requires_grad() ||
       (proj->bias.defined() && proj->bias.requires_grad()) || (out->bias.defined() && out->bias.requires_grad()));
  if (max_rows_per_pass <= 0 || rows <= max_rows_per_pass || records_gradients)
    return out->forward_add(fused::geglu(proj(x)), residual);
  const auto flat = x.reshape({rows, dim});
  const auto flat_residual = residual.reshape({rows, dim});
  auto result = torch::empty({rows, dim}, residual.options());
  const int64_t per_pass = balanced_part_size(rows, max_rows_per_pass);
  for (int64_t r = 0; r < rows; r += per_pass) {
    const int64_t n = std::min(per_pass, rows - r);
    // Contiguous rows of the result, written in place by the product that adds the residual.
    out->forward_add(fused::geglu(proj(flat.narrow(0, r, n))), flat_residual.narrow(0, r, n), result.narrow(0, r, n));
  }
  return result.view(x.sizes());
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(const Transformer2DOptions& o,
                                                     const torch::TensorOptions& options) {
  const int64_t dim = o.heads * o.head_dim;
  AttentionOptions self{dim, 0, o.heads, o.head_dim, o.upcast_attention};
  AttentionOptions cross{dim, o.context_dim, o.heads, o.head_dim, o.upcast_attention};
  norm1 = register_module("norm1", layers::LayerNorm(dim, 1e-5, options));
  attn1 = register_module("attn1", Attention(self, options));
  norm2 = register_module("norm2", layers::LayerNorm(dim, 1e-5, options));
  attn2 = register_module("attn2", Attention(cross, options));
  norm3 = register_module("norm3", layers::LayerNorm(dim, 1e-5, options));
  ff = register_module("ff", FeedForward(dim, dim * 4, options));
}

torch::Tensor BasicTransformerBlockImpl::forward(torch::Tensor x, const torch::Tensor& context) {
  x = attn1->forward(norm1(x), torch::Tensor(), x);  // x + attention, added inside to_out's product
  x = attn2->forward(norm2(x), context, x);
  return ff(norm3(x), x);
}

Transformer2DImpl::Transformer2DImpl(const Transformer2DOptions& o, const torch::TensorOptions& options)
    : linear_(o.linear_projection) {
  const int64_t inner = o.heads * o.head_dim;
  norm = register_module("norm", layers::GroupNorm(o.groups, o.channels, 1e-6, options));
  if (linear_)
    linear_in = register_module("proj_in", layers::Linear(o.channels, inner, options));
  else
    conv_in = register_module("proj_in", layers::Conv2d(o.channels, inner, 1, 1, 0, options));
  auto list = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers; ++i) {
    blocks_.emplace_back(o, options);
    list->push_back(blocks_.back());
  }
  if (linear_)
    linear_out = register_module("proj_out", layers::Linear(inner, o.channels, options));
  else
    conv_out = register_module("proj_out", layers::Conv2d(inner, o.channels, 1, 1, 0, options));
}

torch::Tensor Transformer2DImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  auto t = norm(x);
  if (!linear_) t = conv_in(t);
  const int64_t inner = t.size(1);
  t = t.permute({0, 2, 3, 1}).reshape({b, h * w, inner});  // tokens: [B, HW, C]
  if (linear_) t = linear_in(t);
  for (auto& block : blocks_) t = block(t, context);
  // The residual x joins in proj_out's product: as rows [B, HW, C] it is a view when x is
  // channels-last (GPU); an NCHW x (CPU) adds in its own layout, as before.
  if (layers::is_channels_last(x)) {
    const auto residual = x.permute({0, 2, 3, 1}).reshape({b, h * w, x.size(1)});
    t = linear_ ? linear_out->forward_add(t, residual)
                : fused::linear(t, conv_out->weight.reshape({conv_out->weight.size(0), inner}), conv_out->bias, residual);
    return t.view({b, h, w, t.size(-1)}).permute({0, 3, 1, 2});
  }
  if (linear_) t = linear_out(t);
  t = t.reshape({b, h, w, t.size(-1)}).permute({0, 3, 1, 2});
  if (!linear_) t = conv_out(t.contiguous(x.suggest_memory_format()));  // keep the input's layout
  return t + x;
}

}  // namespace drf
