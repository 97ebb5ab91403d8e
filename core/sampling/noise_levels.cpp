#include "core/sampling/noise_levels.h"

#include <cmath>

#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"

namespace drf {
namespace {

// log sigma of every training timestep: sigma = sqrt((1 - abar) / abar).
std::vector<double> training_log_sigmas(const NoiseSchedule& schedule) {
  std::vector<double> out;
  for (double abar : schedule.alphas_cumprod()) out.push_back(std::log(std::sqrt((1.0 - abar) / abar)));
  return out;
}

// Fractional training timestep of a sigma, interpolating log-sigma like diffusers.
double sigma_to_t(double sigma, const std::vector<double>& log_sigmas) {
  const double ls = std::log(std::max(sigma, 1e-10));
  const std::size_t n = log_sigmas.size();
  if (ls <= log_sigmas.front()) return 0.0;
  if (ls >= log_sigmas.back()) return static_cast<double>(n - 1);
  std::size_t low = 0;
  while (low + 2 < n && log_sigmas[low + 1] <= ls) ++low;
  const double w = (log_sigmas[low] - ls) / (log_sigmas[low] - log_sigmas[low + 1]);
  return (1.0 - w) * static_cast<double>(low) + w * static_cast<double>(low + 1);
}

// Sigma at a fractional training timestep (ComfyUI's ModelSamplingDiscrete.sigma).
double t_to_sigma(double t, const std::vector<double>& log_sigmas) {
  const double lo = std::floor(t), w = t - lo;
  const std::size_t l = static_cast<std::size_t>(lo), h = std::min(l + 1, log_sigmas.size() - 1);
  return std::exp((1.0 - w) * log_sigmas[l] + w * log_sigmas[h]);
}

double flow_shift(double sigma, double shift) { return shift * sigma / (1.0 + (shift - 1.0) * sigma); }

// Karras et al. (2022) eq. 5 with rho = 7, or log-uniform, between smax and smin (N values).
std::vector<double> redistribute(ScheduleKind kind, double smax, double smin, int steps) {
  std::vector<double> out(static_cast<std::size_t>(steps));
  for (int i = 0; i < steps; ++i) {
    const double f = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
    if (kind == ScheduleKind::Karras) {
      const double rho = 7.0, a = std::pow(smax, 1.0 / rho), b = std::pow(smin, 1.0 / rho);
      out[i] = std::pow(a + f * (b - a), rho);
    } else {
      out[i] = std::exp(std::log(smax) + f * (std::log(smin) - std::log(smax)));
    }
  }
  return out;
}

}  // namespace

void schedule_sigmas(const NoiseSchedule& schedule, int steps, ScheduleKind kind, std::vector<double>& sigmas,
                     std::vector<double>& timesteps) {
  const ScheduleConfig& c = schedule.config();
  const int T = c.num_train_timesteps;
  if (steps < 1 || steps > T)
    throw UsageError("steps must be between 1 and " + std::to_string(T) + ", got " + std::to_string(steps));
  sigmas.clear();
  timesteps.clear();
  if (c.flow_matching) {
    // diffusers' FlowMatchEulerDiscreteScheduler: linspace between sigma_max = 1 and the
    // shifted 1/T in timestep units, then shifted (the low end is shifted twice, as there).
    const double smin = flow_shift(1.0 / T, c.shift), smax = 1.0;
    for (int i = 0; i < steps; ++i) {
      const double f = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
      const double t = smax * T + f * (smin * T - smax * T);
      sigmas.push_back(flow_shift(t / T, c.shift));
    }
    if (kind == ScheduleKind::Karras || kind == ScheduleKind::Exponential)
      sigmas = redistribute(kind, sigmas.front(), sigmas.back(), steps);
    else if (kind != ScheduleKind::Default)
      throw UsageError(std::string("schedule '") + schedule_info(kind).name +
                       "' is defined on training timesteps; flow-matching models take default, karras or exponential");
    for (double s : sigmas) timesteps.push_back(s * T);
    return;
  }
  const std::vector<double> log_sigmas = training_log_sigmas(schedule);
  if (kind == ScheduleKind::SgmUniform) {
    // ComfyUI's sgm_uniform: N + 1 points uniform in training time from T-1 to 0, last dropped.
    for (int i = 0; i < steps; ++i) {
      const double t = (T - 1) - static_cast<double>(i) * (T - 1) / steps;
      timesteps.push_back(t);
      sigmas.push_back(t_to_sigma(t, log_sigmas));
    }
    return;
  }
  for (int t : schedule.timesteps(steps)) {
    timesteps.push_back(t);
    sigmas.push_back(std::exp(log_sigmas.at(static_cast<std::size_t>(t))));
  }
  if (kind == ScheduleKind::Default) return;
  sigmas = redistribute(kind, sigmas.front(), sigmas.back(), steps);
  for (int i = 0; i < steps; ++i) timesteps[i] = sigma_to_t(sigmas[i], log_sigmas);
}

NoiseLevels make_noise_levels(const NoiseSchedule& schedule, int steps, ScheduleKind kind, StateSpace space,
                              double final_alpha_bar) {
  NoiseLevels L;
  L.flow = schedule.config().flow_matching;
  std::vector<double> sigmas, timesteps;
  schedule_sigmas(schedule, steps, kind, sigmas, timesteps);
  if (L.flow) {
    for (int i = 0; i < steps; ++i) {
      L.alpha.push_back(1.0 - sigmas[i]);
      L.sigma.push_back(sigmas[i]);
      L.points.push_back({1.0, timesteps[i], 0.0, sigmas[i]});
    }
    L.alpha.push_back(1.0);
    L.sigma.push_back(0.0);
    return L;
  }
  const bool on_grid = kind == ScheduleKind::Default;
  for (int i = 0; i < steps; ++i) {
    const double s = sigmas[i];
    // On the training grid the alpha product is taken as it is, not through sigma.
    const double abar = on_grid ? schedule.alpha_bar(static_cast<int>(timesteps[i])) : 1.0 / (1.0 + s * s);
    if (space == StateSpace::VariancePreserving) {
      L.alpha.push_back(std::sqrt(abar));
      L.sigma.push_back(std::sqrt(1.0 - abar));
      L.points.push_back({1.0, timesteps[i], abar, 0.0});
    } else {
      L.alpha.push_back(1.0);
      L.sigma.push_back(s);
      L.points.push_back({1.0 / std::sqrt(s * s + 1.0), timesteps[i], 1.0 / (1.0 + s * s), 0.0});
    }
  }
  if (space == StateSpace::VariancePreserving) {
    L.alpha.push_back(std::sqrt(final_alpha_bar));
    L.sigma.push_back(std::sqrt(1.0 - final_alpha_bar));
  } else {
    L.alpha.push_back(1.0);
    L.sigma.push_back(0.0);
  }
  return L;
}

}  // namespace drf
