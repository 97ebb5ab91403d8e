// Shared state of the variance-preserving samplers (DDIM, DDPM): the alpha products of the
// N+1 states, where the state after the last step has final_alpha_bar.
#pragma once
#include <vector>

#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"

namespace drf {

class VpSamplerBase : public Sampler {
 public:
  EvalPoint eval_point(int i) const override { return {1.0, static_cast<double>(timesteps_.at(i)), alpha_bar_.at(i)}; }
  // abar of state i, i in 0..N.
  double alpha_bar(int i) const { return alpha_bar_.at(static_cast<std::size_t>(i)); }

 protected:
  VpSamplerBase(const NoiseSchedule& schedule, int steps, double final_alpha_bar);
  std::vector<int> timesteps_;
  std::vector<double> alpha_bar_;  // N + 1 entries
};

}  // namespace drf
