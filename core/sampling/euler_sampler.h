// Euler ODE sampler in sigma space (x_s = x_vp / sqrt(abar), sigma = sqrt((1-abar)/abar)),
// diffusers' EulerDiscreteScheduler with optional Karras sigmas. Its skip is the Euler jump
// x_{i+k} = x_i + (sigma_{i+k} - sigma_i) d_i, and d_i equals the epsilon estimate.
#pragma once
#include <vector>

#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"

namespace drf {

class EulerSampler : public Sampler {
 public:
  EulerSampler(const NoiseSchedule& schedule, int steps, bool karras_sigmas);
  std::string name() const override { return "Euler"; }
  torch::Tensor initial_state(const torch::Tensor& unit_noise) const override;
  EvalPoint eval_point(int i) const override;
  torch::Tensor skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) override;
  double sigma(int i) const { return sigmas_.at(static_cast<std::size_t>(i)); }  // sigma_N = 0
  double timestep(int i) const { return timesteps_.at(static_cast<std::size_t>(i)); }

 private:
  std::vector<double> sigmas_;     // N + 1
  std::vector<double> timesteps_;  // N, fractional with Karras sigmas
};

}  // namespace drf
