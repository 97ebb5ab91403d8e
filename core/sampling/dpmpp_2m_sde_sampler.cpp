#include "core/sampling/dpmpp_2m_sde_sampler.h"

#include <cmath>

namespace drf {

torch::Tensor DpmPP2MSdeSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                                      SolverHistory& history) {
  torch::Tensor next = update(x, denoised, i > 0 ? history.at(i - 1) : torch::Tensor(), i);
  history.push(i, denoised, x);
  return next;
}

torch::Tensor DpmPP2MSdeSampler::update(const torch::Tensor& x, const torch::Tensor& denoised,
                                        const torch::Tensor& old, int i) {
  check_range(i, 1);
  if (sigma(i + 1) == 0.0) return denoised * alpha(i + 1);
  const double h = lambda(i + 1) - lambda(i);
  const double w = -std::expm1(-2.0 * h);  // 1 - e^{-2h}
  auto next = x * (sigma(i + 1) / sigma(i) * std::exp(-h)) + denoised * (alpha(i + 1) * w);
  if (old.defined()) {
    const double r = (lambda(i) - lambda(i - 1)) / h;
    next = next + (denoised - old) * (0.5 * alpha(i + 1) * w / r);
  }
  return next + noise_.at(i) * (s_noise_ * sigma(i + 1) * std::sqrt(w));
}

std::unique_ptr<Sampler> make_dpmpp_2m_sde_sampler(const SolverContext& c) {
  return std::make_unique<DpmPP2MSdeSampler>(c.ve(), c.noise);
}

}  // namespace drf
