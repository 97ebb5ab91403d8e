// The noise levels of one run, apart from the solver: where the N + 1 states sit and how the
// network is called at each of the first N. Built from the model's training schedule (or its
// flow-matching sigmas) and a ScheduleKind; the solvers read alpha/sigma and nothing else.
#pragma once
#include <vector>

#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler_kind.h"

namespace drf {

// How the network is called for one state: input x_in = c_in * x at `timestep`. The input's
// noise level converts the network output to the x0 estimate ("denoised"): alpha_bar for
// models trained on x_in = sqrt(abar) x0 + sqrt(1 - abar) noise; flow_sigma for flow models
// (x_in = (1 - s) x0 + s noise).
struct EvalPoint {
  double c_in = 1.0;
  double timestep = 0.0;
  double alpha_bar = 0.0;
  double flow_sigma = 0.0;
};

// Which scaling of the state the solver updates: variance preserving (x = sqrt(abar) x0 +
// sqrt(1 - abar) n; DDIM, DDPM) or exploding (x = x0 + sigma n; k-diffusion's solvers). Flow
// models have one state, x = (1 - s) x0 + s n, whichever is asked.
enum class StateSpace { VariancePreserving, VarianceExploding };

struct NoiseLevels {
  bool flow = false;
  std::vector<double> alpha, sigma;  // N + 1: x_i = alpha_i x0 + sigma_i noise
  std::vector<EvalPoint> points;     // N
  int steps() const { return static_cast<int>(points.size()); }
};

// final_alpha_bar: the variance-preserving state after the last step (DDIM with
// set_alpha_to_one = false stops at abar[0]; everything else at 1, the clean sample).
// Throws UsageError for a schedule kind the model's schedule cannot use.
NoiseLevels make_noise_levels(const NoiseSchedule& schedule, int steps, ScheduleKind kind, StateSpace space,
                              double final_alpha_bar = 1.0);

// The N sigmas (exploding scaling; flow sigmas for flow models) and their training timesteps
// (fractional off the training grid), as diffusers / ComfyUI compute them.
void schedule_sigmas(const NoiseSchedule& schedule, int steps, ScheduleKind kind, std::vector<double>& sigmas,
                     std::vector<double>& timesteps);

}  // namespace drf
