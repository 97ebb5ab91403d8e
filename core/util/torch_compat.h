// The one place that knows LibTorch version differences (Debian's 1.13 CPU build here,
// PyTorch 2.x with CUDA on GPU machines).
#pragma once
#include <limits>

#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

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

// Causal self-attention (query i sees keys 0..i), for the CLIP text encoder. Same kernels as
// attention() on LibTorch >= 2.0; written out with an upper-triangular -inf mask on 1.13.
inline torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q, k.transpose(-1, -2)) * scale;
  auto mask = torch::ones({q.size(-2), k.size(-2)}, torch::TensorOptions().dtype(torch::kBool).device(q.device()))
                  .triu(1);
  scores = scores.masked_fill(mask, -std::numeric_limits<double>::infinity());
  return torch::matmul(torch::softmax(scores, -1), v);
#endif
}

// Mixed precision for training on CUDA (app/train): while enabled, ops on autocast's
// lower-precision list run in `dtype` on the calling thread. Call clear_autocast_cache() after
// every optimizer step: autocast caches the low-precision copies of fp32 weights.
inline void set_cuda_autocast(bool enabled, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}
inline void clear_autocast_cache() { at::autocast::clear_cache(); }

}  // namespace drf::compat
