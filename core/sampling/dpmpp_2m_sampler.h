// DPM-Solver++(2M) (Lu et al. 2022; k-diffusion's sample_dpmpp_2m, diffusers'
// DPMSolverMultistepScheduler with midpoint, final step first order): the data-prediction
// exponential integrator with the estimate extrapolated from the previous step's,
//   D' = (1 + 1/(2r)) D_i - 1/(2r) D_{i-1},  r = h_{i-1} / h_i,
// and plain first order at the first step and onto sigma = 0.
#pragma once
#include "core/sampling/sampler.h"

namespace drf {

class DpmPP2MSampler : public Sampler {
 public:
  explicit DpmPP2MSampler(NoiseLevels levels) : Sampler(std::move(levels)) {}
  std::string name() const override { return "DPM++ 2M"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
};

}  // namespace drf
