#include "core/sampling/ddpm_sampler.h"

#include <cmath>

namespace drf {

DdpmSampler::DdpmSampler(NoiseLevels levels, const NoiseRequest& noise)
    : Sampler(std::move(levels)), noise_(noise) {}

DdpmSampler::Posterior DdpmSampler::posterior(int i, int k) const {
  check_range(i, k);
  const double a_i = alpha_bar(i), a_j = alpha_bar(i + k);
  const double a = a_i / a_j;  // alpha product over the k steps
  const double c_x0 = std::sqrt(a_j) * (1.0 - a) / (1.0 - a_i);
  const double c_x = std::sqrt(a) * (1.0 - a_j) / (1.0 - a_i);
  const double var = std::max((1.0 - a) * (1.0 - a_j) / (1.0 - a_i), 0.0);
  return {c_x0, c_x, std::sqrt(var)};
}

torch::Tensor DdpmSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) {
  torch::Tensor next = noisy_first_order_step(x, denoised, i);
  history.push(i, denoised, x);
  return next;
}

torch::Tensor DdpmSampler::noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) {
  const Posterior p = posterior(m, 1);
  auto mean = denoised * p.c_x0 + x * p.c_x;
  if (p.std == 0.0) return mean;
  return mean + noise_.at(m) * p.std;
}

std::unique_ptr<Sampler> make_ddpm_sampler(const SolverContext& c) {
  return std::make_unique<DdpmSampler>(c.vp(1.0), c.noise);
}

}  // namespace drf
