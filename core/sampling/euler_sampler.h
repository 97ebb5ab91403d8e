// Euler ODE step in the exploding state (diffusers' EulerDiscreteScheduler, k-diffusion's
// sample_euler): x_{i+1} = x_i + (sigma_{i+1} - sigma_i) (x_i - D) / sigma_i. On flow-matching
// models the same formula is flow Euler, x + (s_{i+1} - s_i) v. It is Sampler::skip with k = 1.
#pragma once
#include "core/sampling/sampler.h"

namespace drf {

class EulerSampler : public Sampler {
 public:
  explicit EulerSampler(NoiseLevels levels) : Sampler(std::move(levels)) {}
  std::string name() const override { return "Euler"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override {
    torch::Tensor next = skip(x, denoised, i, 1);
    history.push(i, denoised, x);
    return next;
  }
  double timestep(int i) const { return eval_point(i).timestep; }
};

}  // namespace drf
