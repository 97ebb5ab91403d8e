#include "core/sampling/euler_sampler.h"

#include <cmath>

namespace drf {
namespace {

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

}  // namespace

EulerSampler::EulerSampler(const NoiseSchedule& schedule, int steps, bool karras_sigmas) : Sampler(steps) {
  std::vector<double> log_sigmas;
  for (double abar : schedule.alphas_cumprod()) log_sigmas.push_back(std::log(std::sqrt((1.0 - abar) / abar)));
  for (int t : schedule.timesteps(steps)) {
    timesteps_.push_back(t);
    sigmas_.push_back(std::exp(log_sigmas.at(static_cast<std::size_t>(t))));
  }
  if (karras_sigmas) {
    // Karras et al. (2022) eq. 5 with rho = 7 between the schedule's extreme sigmas.
    const double rho = 7.0, smax = sigmas_.front(), smin = sigmas_.back();
    const double a = std::pow(smax, 1.0 / rho), b = std::pow(smin, 1.0 / rho);
    for (int i = 0; i < steps; ++i) {
      const double f = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
      sigmas_[i] = std::pow(a + f * (b - a), rho);
      timesteps_[i] = sigma_to_t(sigmas_[i], log_sigmas);
    }
  }
  sigmas_.push_back(0.0);
}

torch::Tensor EulerSampler::initial_state(const torch::Tensor& unit_noise) const {
  // x_vp = noise  <=>  x_s = noise * sqrt(sigma_0^2 + 1): the same seed starts every sampler
  // from the same point.
  return unit_noise * std::sqrt(sigmas_.front() * sigmas_.front() + 1.0);
}

EvalPoint EulerSampler::eval_point(int i) const {
  const double s = sigma(i);
  return {1.0 / std::sqrt(s * s + 1.0), timestep(i), 1.0 / (1.0 + s * s)};
}

torch::Tensor EulerSampler::skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) {
  check_range(i, k);
  return x + eps * (sigma(i + k) - sigma(i));
}

}  // namespace drf
