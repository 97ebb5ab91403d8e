// DPM-Solver++(3M) SDE (k-diffusion's sample_dpmpp_3m_sde, eta 1; ComfyUI's dpmpp_3m_sde),
// written for any x = alpha x0 + sigma n with h = lambda_{i+1} - lambda_i, h_eta = 2h:
//   x' = (sigma'/sigma) e^{-h} x + alpha' (1 - e^{-2h}) D + alpha' (phi_2 d1 - phi_3 d2)
//        + s_noise sigma' sqrt(1 - e^{-2h}) z_i
// with phi_2 = (e^{-h_eta} - 1) / h_eta + 1, phi_3 = phi_2 / h_eta - 1/2 and d1, d2 the first and
// second divided differences of the last three estimates in lambda (only phi_2 d with one
// earlier estimate; first order at the first step). Onto sigma = 0 it returns D.
#pragma once
#include "core/sampling/sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

class DpmPP3MSdeSampler : public Sampler {
 public:
  DpmPP3MSdeSampler(NoiseLevels levels, const NoiseRequest& noise)
      : Sampler(std::move(levels)), noise_(noise), s_noise_(noise.s_noise) {}
  std::string name() const override { return "DPM++ 3M SDE"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  bool stochastic() const override { return true; }

 protected:
  torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) override {
    return update(x, denoised, torch::Tensor(), torch::Tensor(), m);
  }

 private:
  // d1_est / d2_est: the estimates at states i-1 and i-2 (undefined when absent).
  torch::Tensor update(const torch::Tensor& x, const torch::Tensor& denoised, const torch::Tensor& d1_est,
                       const torch::Tensor& d2_est, int i);
  StepNoise noise_;
  double s_noise_;
};

}  // namespace drf
