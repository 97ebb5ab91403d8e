#include "core/sampling/lcm_sampler.h"

#include <cmath>

namespace drf {

std::pair<double, double> LcmSampler::boundary(int i) const {
  const double sigma_data = 0.5, u = 10.0 * eval_point(i).timestep;
  const double c_skip = sigma_data * sigma_data / (u * u + sigma_data * sigma_data);
  const double c_out = u / std::sqrt(u * u + sigma_data * sigma_data);
  return {c_skip, c_out};
}

torch::Tensor LcmSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) {
  torch::Tensor next = noisy_first_order_step(x, denoised, i);
  history.push(i, denoised, x);
  return next;
}

torch::Tensor LcmSampler::noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) {
  check_range(m, 1);
  const auto [c_skip, c_out] = boundary(m);
  const auto d = denoised * c_out + x * c_skip;
  if (sigma(m + 1) == 0.0) return d * alpha(m + 1);
  return d * alpha(m + 1) + noise_.at(m) * sigma(m + 1);
}

std::unique_ptr<Sampler> make_lcm_sampler(const SolverContext& c) {
  return std::make_unique<LcmSampler>(c.vp(1.0), c.noise);
}

}  // namespace drf
