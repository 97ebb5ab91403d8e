// DPM-Solver++(2M) SDE (k-diffusion's sample_dpmpp_2m_sde, midpoint, eta 1), written for any
// x = alpha x0 + sigma n with h = lambda_{i+1} - lambda_i:
//   x' = (sigma'/sigma) e^{-h} x + alpha' (1 - e^{-2h}) D [+ alpha' (1 - e^{-2h}) (D - D_old) / (2r)]
//        + s_noise sigma' sqrt(1 - e^{-2h}) z_i
// The bracket is the second-order term (absent at the first step); onto sigma = 0 it returns D.
#pragma once
#include "core/sampling/sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

class DpmPP2MSdeSampler : public Sampler {
 public:
  DpmPP2MSdeSampler(NoiseLevels levels, const NoiseRequest& noise)
      : Sampler(std::move(levels)), noise_(noise), s_noise_(noise.s_noise) {}
  std::string name() const override { return "DPM++ 2M SDE"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  bool stochastic() const override { return true; }

 protected:
  torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) override {
    return update(x, denoised, torch::Tensor(), m);
  }

 private:
  torch::Tensor update(const torch::Tensor& x, const torch::Tensor& denoised, const torch::Tensor& old, int i);
  StepNoise noise_;
  double s_noise_;
};

}  // namespace drf
