#include "core/sampling/sampler.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/sampling/ddim_sampler.h"
#include "core/sampling/ddpm_sampler.h"
#include "core/sampling/dpmpp_2m_sampler.h"
#include "core/sampling/dpmpp_2m_sde_sampler.h"
#include "core/sampling/euler_ancestral_sampler.h"
#include "core/sampling/euler_sampler.h"
#include "core/sampling/sampler_registry.h"
#include "core/sampling/unipc_sampler.h"
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
  if (!stochastic()) return estimate + (x - draft) * (1.0 / alpha(i));
  if (draft_options_.lowpass_transfer && x.dim() == 4 && x.size(2) % 4 == 0 && x.size(3) % 4 == 0) {
    const auto coarse = torch::nn::functional::interpolate(
        torch::avg_pool2d(x - draft, 4),
        torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{x.size(2), x.size(3)}).mode(
            torch::kNearest));
    return estimate + coarse * (1.0 / alpha(i));
  }
  const double beta = draft_options_.stochastic_transfer;
  if (beta == 0.0) return estimate;
  return estimate + (x - draft) * (beta / alpha(i));
}

torch::Tensor Sampler::draft_estimate(const torch::Tensor& denoised, int i, int from, int to,
                                      const SolverHistory& history) const {
  if (draft_options_.draft_order < 2 || history.index.empty()) return denoised;
  const int prev = history.index.back();  // the refined estimate just before the anchor
  if (prev >= i) return denoised;
  const double span = lambda(i) - lambda(prev);
  if (!(span > 0.0)) return denoised;
  // The exponential integrator x_to = (s_to / s_from) x_from - alpha_to expm1(-h) D is exact for
  // an estimate linear in lambda when D is taken at lambda_from + h / (1 - e^{-h}) - 1 (about the
  // middle of the jump). Onto sigma = 0 (h infinite) the extrapolation is held at one anchor
  // span: a line through two estimates says nothing about the clean end.
  double f = 1.0;
  if (sigma(to) != 0.0) {
    const double h = lambda(to) - lambda(from);
    f = (lambda(from) + h / -std::expm1(-h) - 1.0 - lambda(i)) / span;
  }
  return denoised + (denoised - history.denoised.back()) * f;
}

torch::Tensor Sampler::draft(const torch::Tensor& x, const torch::Tensor& denoised, int i, int k,
                             const SolverHistory& history) {
  check_range(i, k);
  SolverHistory scratch = history;
  torch::Tensor y = step(x, denoised, i, scratch);
  if (k == 1) return y;
  if (!stochastic()) return skip(y, draft_estimate(denoised, i, i + 1, i + k, history), i + 1, k - 1);
  for (int m = i + 1; m < i + k; ++m) y = noisy_first_order_step(y, draft_estimate(denoised, i, m, m + 1, history), m);
  return y;
}

namespace {

// The measured defaults (docs/fidelity.md), or the environment's choice for measuring others.
Sampler::DraftOptions draft_options_from_env() {
  Sampler::DraftOptions o;
  if (const char* v = std::getenv("DRIFFUSION_DRAFT_ORDER")) {
    const std::string s = v;
    if (s == "1" || s == "2") o.draft_order = s == "2" ? 2 : 1;
    else throw UsageError("DRIFFUSION_DRAFT_ORDER must be 1 or 2, got '" + s + "'");
  }
  if (const char* v = std::getenv("DRIFFUSION_STOCHASTIC_TRANSFER")) {
    if (std::string(v) == "lowpass") {
      o.lowpass_transfer = true;
      return o;
    }
    char* end = nullptr;
    const double b = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(b >= 0.0 && b <= 1.0))
      throw UsageError(std::string("DRIFFUSION_STOCHASTIC_TRANSFER must be a number in [0, 1] or lowpass, got '") + v + "'");
    o.stochastic_transfer = b;
  }
  return o;
}

std::unique_ptr<Sampler> with_draft_options(std::unique_ptr<Sampler> s, const SamplerOptions& o) {
  s->set_draft_options(o.draft ? *o.draft : draft_options_from_env());
  return s;
}

std::unique_ptr<Sampler> make_solver(const NoiseSchedule& schedule, const SamplerOptions& o);

}  // namespace

std::unique_ptr<Sampler> make_sampler(const NoiseSchedule& schedule, const SamplerOptions& o) {
  return with_draft_options(make_solver(schedule, o), o);
}

namespace {

std::unique_ptr<Sampler> make_solver(const NoiseSchedule& schedule, const SamplerOptions& o) {
  const ScheduleKind sched = o.karras_sigmas ? ScheduleKind::Karras : o.schedule;
  const SamplerInfo& info = sampler_info(o.kind);
  if (schedule.config().flow_matching && !info.flow_models)
    throw UsageError(std::string("sampler ") + info.name +
                     " is not defined for flow-matching models; use euler, ddim, dpmpp_2m or unipc");
  if (!(o.s_noise >= 0.0 && o.s_noise <= 2.0))
    throw UsageError("s_noise must be between 0 and 2, got " + std::to_string(o.s_noise));
  auto vp = [&](double final_abar) {
    return make_noise_levels(schedule, o.steps, sched, StateSpace::VariancePreserving, final_abar);
  };
  auto ve = [&] { return make_noise_levels(schedule, o.steps, sched, StateSpace::VarianceExploding); };
  NoiseRequest noise{o.seed, o.state_shape, o.state_options, o.s_noise};
  switch (o.kind) {
    case SamplerKind::DDIM:
      if (schedule.config().flow_matching && o.eta > 0)
        throw UsageError("DDIM eta > 0 is not defined for flow-matching models");
      return std::make_unique<DdimSampler>(
          vp(schedule.config().set_alpha_to_one ? 1.0 : schedule.alpha_bar(0)), o.eta, noise);
    case SamplerKind::DDPM:
      return std::make_unique<DdpmSampler>(vp(1.0), noise);
    case SamplerKind::Euler:
      return std::make_unique<EulerSampler>(ve());
    case SamplerKind::EulerAncestral:
      return std::make_unique<EulerAncestralSampler>(ve(), noise);
    case SamplerKind::DpmPP2M:
      return std::make_unique<DpmPP2MSampler>(ve());
    case SamplerKind::DpmPP2MSde:
      return std::make_unique<DpmPP2MSdeSampler>(ve(), noise);
    case SamplerKind::UniPC:
      return std::make_unique<UniPCSampler>(ve(), true);
    case SamplerKind::UniPCNoCorrector:
      return std::make_unique<UniPCSampler>(ve(), false);
  }
  throw Error(ErrorKind::Internal, "unknown sampler kind");
}

}  // namespace

}  // namespace drf
