#include "core/sampling/ddpm_sampler.h"

#include <cmath>

namespace drf {

// diffusers' DDPMScheduler uses abar = 1 after the last step.
DdpmSampler::DdpmSampler(const NoiseSchedule& schedule, int steps, std::uint64_t seed,
                         std::vector<int64_t> state_shape, torch::TensorOptions state_options)
    : VpSamplerBase(schedule, steps, 1.0), noise_(seed, std::move(state_shape), state_options) {}

DdpmSampler::Posterior DdpmSampler::posterior(int i, int k) const {
  const double a_i = alpha_bar(i), a_j = alpha_bar(i + k);
  const double a = a_i / a_j;  // alpha product over the k steps
  const double c_x0 = std::sqrt(a_j) * (1.0 - a) / (1.0 - a_i);
  const double c_x = std::sqrt(a) * (1.0 - a_j) / (1.0 - a_i);
  const double var = std::max((1.0 - a) * (1.0 - a_j) / (1.0 - a_i), 0.0);
  return {c_x0, c_x, std::sqrt(var)};
}

torch::Tensor DdpmSampler::skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) {
  check_range(i, k);
  const double a_i = alpha_bar(i);
  auto x0 = (x - eps * std::sqrt(1.0 - a_i)) / std::sqrt(a_i);
  const Posterior p = posterior(i, k);
  auto mean = x0 * p.c_x0 + x * p.c_x;
  if (p.std == 0.0) return mean;
  return mean + noise_.at(i + k - 1) * p.std;
}

}  // namespace drf
