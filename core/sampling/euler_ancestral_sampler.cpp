#include "core/sampling/euler_ancestral_sampler.h"

#include <cmath>

#include "core/util/errors.h"

namespace drf {

EulerAncestralSampler::EulerAncestralSampler(NoiseLevels levels, const NoiseRequest& noise)
    : Sampler(std::move(levels)), noise_(noise), s_noise_(noise.s_noise) {
  if (this->levels().flow) throw UsageError("Euler a is not defined for flow-matching models");
}

torch::Tensor EulerAncestralSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                                          SolverHistory& history) {
  torch::Tensor next = noisy_first_order_step(x, denoised, i);
  history.push(i, denoised, x);
  return next;
}

torch::Tensor EulerAncestralSampler::noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised,
                                                            int m) {
  check_range(m, 1);
  const double s = sigma(m), sn = sigma(m + 1);
  // k-diffusion's get_ancestral_step with eta = 1.
  const double up = std::min(sn, std::sqrt(std::max(0.0, sn * sn * (s * s - sn * sn) / (s * s))));
  const double down = std::sqrt(std::max(0.0, sn * sn - up * up));
  auto next = x + (x - denoised) * ((down - s) / s);
  if (sn == 0.0 || up == 0.0) return next;
  return next + noise_.at(m) * (s_noise_ * up);
}

std::unique_ptr<Sampler> make_euler_a_sampler(const SolverContext& c) {
  return std::make_unique<EulerAncestralSampler>(c.ve(), c.noise);
}

}  // namespace drf
