// The one place that knows LibTorch version differences (Debian's 1.13 CPU build here,
// PyTorch 2.x with CUDA on GPU machines).
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

namespace drf::compat {

constexpr bool kHasSdpa = TORCH_VERSION_MAJOR >= 2;

// softmax(q k^T * scale) v over the last two dims; q,k,v: [B, heads, L, head_dim].
// On LibTorch >= 2.0 this is the fused scaled_dot_product_attention (flash / memory-efficient
// kernels on CUDA); on 1.13 the same math written out, with the softmax in fp32 when asked
// (SD 2.x "upcast_attention").
inline torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               bool upcast_softmax = false) {
#if TORCH_VERSION_MAJOR >= 2
  (void)upcast_softmax;  // the fused kernels accumulate in fp32 already
  return at::scaled_dot_product_attention(q, k, v);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q, k.transpose(-1, -2)) * scale;
  if (upcast_softmax) scores = scores.to(torch::kFloat32);
  auto probs = torch::softmax(scores, -1).to(v.scalar_type());
  return torch::matmul(probs, v);
#endif
}

}  // namespace drf::compat
