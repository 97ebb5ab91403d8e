// Sinusoidal timestep features and the two-layer MLP that turns them into the UNet's time
// embedding (diffusers Timesteps + TimestepEmbedding: "time_embedding.linear_1/linear_2").
#pragma once
#include "core/models/nn/layers.h"

namespace drf {

// [N] timesteps -> [N, dim] float32 features: exp(-ln(10000) * i / (dim/2 - freq_shift)) * t,
// as [sin, cos] or [cos, sin] (flip_sin_to_cos); an odd dim is zero-padded.
torch::Tensor timestep_sinusoids(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos, double freq_shift);

class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t in_features, int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& features);  // linear_2(silu(linear_1(x)))

 private:
  layers::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace drf
