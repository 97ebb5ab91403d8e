#include "core/sampling/sampler.h"

#include <cmath>
#include <string>

#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"

namespace drf {

torch::Tensor SolverHistory::at(int i) const {
  for (std::size_t n = index.size(); n-- > 0;)
    if (index[n] == i) return denoised[n];
  return {};
}

void SolverHistory::push(int i, const torch::Tensor& d, const torch::Tensor& x) {
  index.push_back(i);
  denoised.push_back(d);
  if (index.size() > 3) {  // no solver here looks further back
    index.erase(index.begin());
    denoised.erase(denoised.begin());
  }
  last_state = x;
}

void Sampler::check_range(int i, int k) const {
  if (i < 0 || k < 1 || i + k > steps())
    throw Error(ErrorKind::Internal, name() + ": step " + std::to_string(i) + " -> " + std::to_string(i + k) +
                                         " is outside 0.." + std::to_string(steps()));
}

torch::Tensor Sampler::initial_state(const torch::Tensor& unit_noise) const {
  // The network sees c_in x_0 = unit noise: the same seed starts every solver from one point.
  const double c_in = eval_point(0).c_in;
  return c_in == 1.0 ? unit_noise : unit_noise * (1.0 / c_in);
}

torch::Tensor Sampler::skip(const torch::Tensor& x, const torch::Tensor& denoised, int i, int k) const {
  check_range(i, k);
  const int j = i + k;
  if (sigma(j) == 0.0) return denoised * alpha(j);  // the limit h -> infinity
  const double h = lambda(j) - lambda(i);
  return x * (sigma(j) / sigma(i)) + denoised * (-alpha(j) * std::expm1(-h));
}

torch::Tensor Sampler::transfer(const torch::Tensor& estimate, const torch::Tensor& draft, const torch::Tensor& x,
                               int i) const {
  if (stochastic()) return estimate;
  // beta_i / alpha_i written without dividing by alpha (0 at a flow model's pure-noise state).
  const double a = alpha(i), s = sigma(i);
  const double s2 = kTransferSigmaData * kTransferSigmaData;
  return estimate + (x - draft) * (s2 * a / (s2 * a * a + s * s));
}

torch::Tensor Sampler::draft(const torch::Tensor& x, const torch::Tensor& denoised, int i, int k,
                             const SolverHistory& history) {
  check_range(i, k);
  SolverHistory scratch = history;
  torch::Tensor y = step(x, denoised, i, scratch);
  if (k == 1) return y;
  if (!stochastic()) return skip(y, denoised, i + 1, k - 1);
  // The refine pass's own per-step noises z_{i+1}..z_{i+k-1} through the same coefficients, the
  // anchor's estimate held: the k-step chain the refine walks if the estimate did not change.
  for (int m = i + 1; m < i + k; ++m) y = noisy_first_order_step(y, denoised, m);
  return y;
}

NoiseLevels SolverContext::vp(double final_alpha_bar) const {
  return make_noise_levels(schedule, options.steps, schedule_kind, StateSpace::VariancePreserving, final_alpha_bar);
}

NoiseLevels SolverContext::ve() const {
  return make_noise_levels(schedule, options.steps, schedule_kind, StateSpace::VarianceExploding);
}

std::unique_ptr<Sampler> make_sampler(const NoiseSchedule& schedule, const SamplerOptions& o) {
  const SamplerInfo& info = sampler_info(o.kind);
  if (schedule.config().flow_matching && !info.flow_models)
    throw UsageError(std::string("sampler ") + info.name +
                     " is not defined for flow-matching models; use euler, heun, ddim, dpmpp_2m or unipc");
  if (!(o.s_noise >= 0.0 && o.s_noise <= 2.0))
    throw UsageError("s_noise must be between 0 and 2, got " + std::to_string(o.s_noise));
  const SolverContext context{schedule, o, o.karras_sigmas ? ScheduleKind::Karras : o.schedule,
                              NoiseRequest{o.seed, o.state_shape, o.state_options, o.s_noise, o.steps}};
  switch (o.kind) {
#define DRF_SAMPLER_FACTORY_CASE(Kind, id, ...) \
  case SamplerKind::Kind:                       \
    return make_##id##_sampler(context);
    DRIFFUSION_SAMPLERS(DRF_SAMPLER_FACTORY_CASE)
#undef DRF_SAMPLER_FACTORY_CASE
  }
  throw Error(ErrorKind::Internal, "unknown sampler kind");
}

}  // namespace drf
