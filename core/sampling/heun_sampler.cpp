#include "core/sampling/heun_sampler.h"

#include "core/util/errors.h"

namespace drf {

NoiseLevels heun_noise_levels(const NoiseSchedule& schedule, int calls, ScheduleKind kind) {
  if (calls < 1) throw UsageError("steps must be at least 1, got " + std::to_string(calls));
  // N sigma steps: every step but the last costs two calls; an even count also makes the
  // first one Euler.
  const int sigma_steps = calls % 2 == 1 ? (calls + 1) / 2 : calls / 2 + 1;
  const int first_heun = calls % 2 == 1 ? 1 : 2;  // first sigma index entered by a Heun step
  const NoiseLevels base = make_noise_levels(schedule, sigma_steps, kind, StateSpace::VarianceExploding);
  NoiseLevels out;
  out.flow = base.flow;
  auto add = [&](int j, bool with_point) {
    out.alpha.push_back(base.alpha[static_cast<std::size_t>(j)]);
    out.sigma.push_back(base.sigma[static_cast<std::size_t>(j)]);
    if (with_point) out.points.push_back(base.points[static_cast<std::size_t>(j)]);
  };
  add(0, true);
  for (int j = 1; j < sigma_steps; ++j) {
    if (j >= first_heun) add(j, true);  // the predictor's state, evaluated for the corrector
    add(j, true);                         // the corrected (or Euler) state
  }
  add(sigma_steps, false);
  if (out.steps() != calls) throw Error(ErrorKind::Internal, "Heun levels do not match the call count");
  return out;
}

// A first step spanning more than this noise ratio takes its corrector in 1/sigma (see
// step()). Only the first: it alone can start from an effectively infinite level (cosine or
// near-zero terminal SNR schedules); SD / SDXL / flow schedules start under 2 per step, and
// later steps (ratio ~7 at the end of leading spacing) keep diffusers' HeunDiscreteScheduler
// and FlowMatchHeun updates, which test_sampler_parity compares with.
constexpr double kSigmaTrapezoidRatio = 4.0;

bool HeunSampler::corrector_call(int i) const { return i >= 1 && sigma(i) > 0.0 && sigma(i + 1) == sigma(i); }

torch::Tensor HeunSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                                SolverHistory& history) {
  check_range(i, 1);
  torch::Tensor next;
  if (!corrector_call(i)) {
    next = skip(x, denoised, i, 1);  // Euler (the predictor, or the last step onto sigma 0)
  } else {
    // The state the predictor left and its estimate are the history's last entry.
    if (history.index.empty() || history.index.back() != i - 1 || !history.last_state.defined())
      throw Error(ErrorKind::Internal, "Heun corrector at state " + std::to_string(i) + " without its predictor");
    const torch::Tensor& x_prev = history.last_state;
    const torch::Tensor& d_prev = history.denoised.back();
    const double s_prev = sigma(i - 1), s = sigma(i), dt = sigma(i + 1) - s_prev;
    if (i - 1 == 0 && s_prev > kSigmaTrapezoidRatio * s) {
      // The trapezoid in sigma adds (s_prev / s - 1) / 2 times the change of the estimate: from
      // a cosine schedule's first level (sigma ~1e4, the next ~8) that is ~600x and the image
      // explodes. Such a step takes the trapezoid in u = 1/sigma on y = x/sigma instead, as
      // second order as the other and bounded: x = (s/s_prev) x_prev + (1 - s/s_prev) mean(D).
      const double r = s / s_prev;
      next = x_prev * r + (d_prev + denoised) * (0.5 * (1.0 - r));
    } else {
      // x_prev + dt (d_prev + d) / 2 with d = (x - D) / s, written on x and D directly.
      next = x_prev + (x_prev - d_prev) * (0.5 * dt / s_prev) + (x - denoised) * (0.5 * dt / s);
    }
  }
  history.push(i, denoised, x);
  return next;
}

std::unique_ptr<Sampler> make_heun_sampler(const SolverContext& c) {
  return std::make_unique<HeunSampler>(heun_noise_levels(c.schedule, c.options.steps, c.schedule_kind));
}

}  // namespace drf
