// DDIM (Song et al.) in the variance-preserving state. eta = 0 is the first-order
// data-prediction exponential integrator (Sampler::skip); eta > 0 adds the DDIM variance with
// the noise of the step.
#pragma once
#include <optional>

#include "core/sampling/sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

class DdimSampler : public Sampler {
 public:
  DdimSampler(NoiseLevels levels, double eta, const NoiseRequest& noise);
  std::string name() const override { return "DDIM"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  bool stochastic() const override { return eta_ > 0; }
  double alpha_bar(int i) const { return alpha(i) * alpha(i); }

 protected:
  torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) override;

 private:
  double eta_;
  std::optional<StepNoise> noise_;
};

}  // namespace drf
