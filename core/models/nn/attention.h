// diffusers Attention as the UNet's transformer blocks use it (to_q/to_k/to_v without bias,
// to_out.0 with bias): multi-head attention of x over itself (self) or over a context
// (cross). The product runs through drf::compat::attention: fused SDPA on LibTorch 2.x.
#pragma once
#include "core/models/nn/layers.h"

namespace drf {

struct AttentionOptions {
  int64_t query_dim = 0;
  int64_t context_dim = 0;  // 0 = self-attention (context = query_dim)
  int64_t heads = 8;
  int64_t head_dim = 64;
  bool upcast = false;  // softmax in fp32 (SD 2.x "upcast_attention")
};

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(const AttentionOptions& o, const torch::TensorOptions& options);
  // x: [B, L, query_dim]; context: [B, S, context_dim] or undefined for self-attention. With
  // `residual` ([B, L, query_dim]) the result is residual + attention, added in to_out's product.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& residual = {});
  // A self-attention's q, k and v as one matrix product (fused_projection.h), a cross-attention's
  // k and v (both read the text context) as one; values unchanged.
  void fuse_projections();

 private:
  int64_t heads_;
  bool upcast_;
  bool self_attention_;
  layers::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, out{nullptr};
  torch::nn::ModuleList to_out;
};
TORCH_MODULE(Attention);

// fuse_projections() of every Attention under `root` (the GPU denoisers, once their weights are
// in place).
void fuse_attention_projections(torch::nn::Module& root);

// [B, L, heads*d] -> [B, heads, L, d] and back.
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
torch::Tensor merge_heads(const torch::Tensor& x);

}  // namespace drf
