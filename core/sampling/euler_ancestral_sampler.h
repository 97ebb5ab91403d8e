// Euler ancestral (k-diffusion's sample_euler_ancestral, eta 1; diffusers'
// EulerAncestralDiscreteScheduler) in the exploding state: an Euler step down to sigma_down,
// then noise of std s_noise * sigma_up back up to sigma_{i+1}, with the noise of step i.
#pragma once
#include "core/sampling/sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

class EulerAncestralSampler : public Sampler {
 public:
  EulerAncestralSampler(NoiseLevels levels, const NoiseRequest& noise);
  std::string name() const override { return "Euler a"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  bool stochastic() const override { return true; }

 protected:
  torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) override;

 private:
  StepNoise noise_;
  double s_noise_;
};

}  // namespace drf
