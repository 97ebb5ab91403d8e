#include "core/models/nn/timestep_embedding.h"

#include <cmath>

namespace drf {

torch::Tensor timestep_sinusoids(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos, double freq_shift) {
  const int64_t half = dim / 2;
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(timesteps.device());
  auto exponent = torch::arange(0, half, f32) * (-std::log(10000.0)) / (static_cast<double>(half) - freq_shift);
  auto args = timesteps.to(torch::kFloat32).unsqueeze(1) * exponent.exp().unsqueeze(0);
  auto emb = flip_sin_to_cos ? torch::cat({args.cos(), args.sin()}, -1) : torch::cat({args.sin(), args.cos()}, -1);
  if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1, 0, 0});
  return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_features, int64_t dim, const torch::TensorOptions& options) {
  linear_1 = register_module("linear_1", layers::Linear(in_features, dim, options));
  linear_2 = register_module("linear_2", layers::Linear(dim, dim, options));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& features) {
  return linear_2(torch::silu(linear_1(features)));
}

}  // namespace drf
