// DDIM (Song et al.). eta = 0 is deterministic; eta > 0 adds the DDIM variance of the
// (i -> i+k) pair with the noise of the step that lands on i+k.
#pragma once
#include <optional>

#include "core/sampling/step_noise.h"
#include "core/sampling/vp_sampler_base.h"

namespace drf {

class DdimSampler : public VpSamplerBase {
 public:
  DdimSampler(const NoiseSchedule& schedule, int steps, double eta, std::uint64_t seed,
              std::vector<int64_t> state_shape, torch::TensorOptions state_options);
  std::string name() const override { return "DDIM"; }
  torch::Tensor skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) override;
  bool stochastic() const override { return eta_ > 0; }

 private:
  double eta_;
  std::optional<StepNoise> noise_;
};

}  // namespace drf
