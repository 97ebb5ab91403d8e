// Ancestral DDPM over N inference steps in the variance-preserving state: x_{i+1} ~
// q(x_{i+1} | x_i, x0_hat), diffusers' DDPMScheduler posterior (fixed_small variance), with the
// noise of step i. Drafts chain these posteriors with the anchor's estimate and the same
// per-step noises the refine pass adds.
#pragma once
#include "core/sampling/sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

class DdpmSampler : public Sampler {
 public:
  DdpmSampler(NoiseLevels levels, const NoiseRequest& noise);
  std::string name() const override { return "DDPM"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  bool stochastic() const override { return true; }
  double alpha_bar(int i) const { return alpha(i) * alpha(i); }

  // Coefficients of x_{i+k} = c_x0 * x0_hat + c_x * x_i + std * z, the k-step posterior
  // (exposed for tests).
  struct Posterior {
    double c_x0, c_x, std;
  };
  Posterior posterior(int i, int k) const;

 protected:
  torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) override;

 private:
  StepNoise noise_;
};

}  // namespace drf
