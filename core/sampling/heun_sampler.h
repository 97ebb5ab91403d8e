// Heun's second-order method (Karras et al. 2022, k-diffusion's sample_heun, diffusers'
// HeunDiscreteScheduler / FlowMatchHeunDiscreteScheduler) on the x0 estimate. Each Heun step
// costs two network calls: an Euler predictor to the next sigma, then the trapezoidal corrector
//   x_{j+1} = x_j + (s_{j+1} - s_j) (d_j + d') / 2,  d = (x - D) / s,
// which on flow models (d = the velocity) is flow Heun. The step onto sigma 0 is plain Euler.
//
// As in diffusers, the sampling loop sees one state per network call: the levels repeat every
// inner sigma (predictor and corrected state share it), so a run's `steps` count network calls,
// and the one-call-per-step loops, the DRiffusion planner and its latency accounting apply
// unchanged. steps = 2N - 1 is N Heun sigma steps exactly as diffusers runs them; an even count
// makes the first step Euler as well.
#pragma once
#include "core/sampling/sampler.h"

namespace drf {

// The levels of a Heun run of `calls` network calls, from the schedule's N sigma steps.
NoiseLevels heun_noise_levels(const NoiseSchedule& schedule, int calls, ScheduleKind kind);

class HeunSampler : public Sampler {
 public:
  explicit HeunSampler(NoiseLevels levels) : Sampler(std::move(levels)) {}
  std::string name() const override { return "Heun"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;
  // Whether the call at state i is a corrector (its state is the predictor at the same sigma
  // as the state it leads to).
  bool corrector_call(int i) const;
};

}  // namespace drf
