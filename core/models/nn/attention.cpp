#include "core/models/nn/attention.h"

#include "core/util/torch_compat.h"

namespace drf {

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

AttentionImpl::AttentionImpl(const AttentionOptions& o, const torch::TensorOptions& options)
    : heads_(o.heads), upcast_(o.upcast) {
  const int64_t inner = o.heads * o.head_dim;
  const int64_t ctx = o.context_dim > 0 ? o.context_dim : o.query_dim;
  to_q = register_module("to_q", layers::Linear(o.query_dim, inner, options, false));
  to_k = register_module("to_k", layers::Linear(ctx, inner, options, false));
  to_v = register_module("to_v", layers::Linear(ctx, inner, options, false));
  out = layers::Linear(inner, o.query_dim, options);
  to_out = register_module("to_out", torch::nn::ModuleList());
  to_out->push_back(out);
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                     const torch::Tensor& residual) {
  const torch::Tensor& c = context.defined() ? context : x;
  auto q = split_heads(to_q(x), heads_);
  auto k = split_heads(to_k(c), heads_);
  auto v = split_heads(to_v(c), heads_);
  auto o = compat::attention(q, k, v, upcast_);
  auto merged = merge_heads(o.to(x.scalar_type()));
  return residual.defined() ? out->forward_add(merged, residual) : out(merged);
}

}  // namespace drf
