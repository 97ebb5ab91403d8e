// Ancestral DDPM over N inference steps: x_{i+k} ~ q(x_{i+k} | x_i, x0_hat), the k-step
// posterior of docs/method.md, sampled with the noise of the step that lands on i+k.
#pragma once
#include "core/sampling/step_noise.h"
#include "core/sampling/vp_sampler_base.h"

namespace drf {

class DdpmSampler : public VpSamplerBase {
 public:
  DdpmSampler(const NoiseSchedule& schedule, int steps, std::uint64_t seed, std::vector<int64_t> state_shape,
              torch::TensorOptions state_options);
  std::string name() const override { return "DDPM"; }
  torch::Tensor skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) override;
  bool stochastic() const override { return true; }

  // Coefficients of x_{i+k} = c_x0 * x0_hat + c_x * x_i + std * z (exposed for tests).
  struct Posterior {
    double c_x0, c_x, std;
  };
  Posterior posterior(int i, int k) const;

 private:
  StepNoise noise_;
};

}  // namespace drf
