// Latent consistency sampling (Luo et al. 2023; diffusers' LCMScheduler, k-diffusion /
// ComfyUI's sample_lcm) in the variance-preserving state: each step takes the model's x0
// estimate with LCM's boundary condition and puts it back at the next noise level with the
// step's own noise, x_{i+1} = alpha_{i+1} D' + sigma_{i+1} z_i (D' itself onto sigma 0), where
//   D' = c_out D + c_skip x,  c_skip = s_d^2 / (u^2 + s_d^2),  c_out = u / sqrt(u^2 + s_d^2),
// u = 10 t (diffusers' timestep_scaling), s_d = 0.5. Meant for LCM-distilled models (few
// steps, low CFG); with other models it is a very noisy sampler.
#pragma once
#include "core/sampling/sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

class LcmSampler : public Sampler {
 public:
  LcmSampler(NoiseLevels levels, const NoiseRequest& noise) : Sampler(std::move(levels)), noise_(noise) {}
  std::string name() const override { return "LCM"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  bool stochastic() const override { return true; }
  // LCM's boundary-condition weights at state i: {c_skip, c_out}.
  std::pair<double, double> boundary(int i) const;

 protected:
  torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) override;

 private:
  StepNoise noise_;
};

}  // namespace drf
