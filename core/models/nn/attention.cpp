#include "core/models/nn/attention.h"

#include "core/models/nn/fused_ops.h"
#include "core/models/nn/fused_projection.h"
#include "core/util/torch_compat.h"

namespace drf {

void fuse_attention_projections(torch::nn::Module& root) {
  for (const auto& m : root.modules(/*include_self=*/true))
    if (auto attention = std::dynamic_pointer_cast<AttentionImpl>(m)) attention->fuse_projections();
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

namespace {

// `count` projections of x in one product (a fused view), as [count, B, heads, L, d]: the
// product's [B, L, count, heads, d] is the packed layout the fused attention kernels read.
torch::Tensor packed_heads(const torch::Tensor& x, const FusedLinearView& fused, int64_t count, int64_t heads) {
  const int64_t inner = fused.weight.size(0) / count;
  return fused::linear(x, fused.weight, fused.bias)
      .view({x.size(0), x.size(1), count, heads, inner / heads})
      .permute({2, 0, 3, 1, 4});
}

}  // namespace

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

AttentionImpl::AttentionImpl(const AttentionOptions& o, const torch::TensorOptions& options)
    : heads_(o.heads), upcast_(o.upcast), self_attention_(o.context_dim <= 0) {
  const int64_t inner = o.heads * o.head_dim;
  const int64_t ctx = o.context_dim > 0 ? o.context_dim : o.query_dim;
  to_q = register_module("to_q", layers::Linear(o.query_dim, inner, options, false));
  to_k = register_module("to_k", layers::Linear(ctx, inner, options, false));
  to_v = register_module("to_v", layers::Linear(ctx, inner, options, false));
  out = layers::Linear(inner, o.query_dim, options);
  to_out = register_module("to_out", torch::nn::ModuleList());
  to_out->push_back(out);
}

void AttentionImpl::fuse_projections() {
  // A cross-attention's k and v read the same (text) context: one product of 2N columns. Its few
  // rows (77 tokens per image) make each product latency-bound, so halving their number counts.
  if (self_attention_) fuse_linear_weights({to_q, to_k, to_v});
  else fuse_linear_weights({to_k, to_v});
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                     const torch::Tensor& residual) {
  const torch::Tensor& c = context.defined() ? context : x;
  torch::Tensor q, k, v;
  const auto fused = context.defined() ? FusedLinearView{} : fused_linear_view({to_q, to_k, to_v});
  if (fused.weight.defined()) {
    const auto heads = packed_heads(x, fused, 3, heads_);
    q = heads[0], k = heads[1], v = heads[2];
  } else if (const auto kv = context.defined() ? fused_linear_view({to_k, to_v}) : FusedLinearView{};
             kv.weight.defined()) {
    const auto heads = packed_heads(c, kv, 2, heads_);
    q = split_heads(to_q(x), heads_);
    k = heads[0], v = heads[1];
  } else {
    q = split_heads(to_q(x), heads_);
    k = split_heads(to_k(c), heads_);
    v = split_heads(to_v(c), heads_);
  }
  auto o = compat::attention(q, k, v, upcast_);
  auto merged = merge_heads(o.to(x.scalar_type()));
  return residual.defined() ? out->forward_add(merged, residual) : out(merged);
}

}  // namespace drf
