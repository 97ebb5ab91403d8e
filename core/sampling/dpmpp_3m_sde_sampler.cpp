#include "core/sampling/dpmpp_3m_sde_sampler.h"

#include <cmath>

namespace drf {

torch::Tensor DpmPP3MSdeSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                                      SolverHistory& history) {
  const torch::Tensor e1 = i > 0 ? history.at(i - 1) : torch::Tensor();
  const torch::Tensor e2 = e1.defined() && i > 1 ? history.at(i - 2) : torch::Tensor();
  torch::Tensor next = update(x, denoised, e1, e2, i);
  history.push(i, denoised, x);
  return next;
}

torch::Tensor DpmPP3MSdeSampler::update(const torch::Tensor& x, const torch::Tensor& denoised,
                                        const torch::Tensor& e1, const torch::Tensor& e2, int i) {
  check_range(i, 1);
  if (sigma(i + 1) == 0.0) return denoised * alpha(i + 1);
  const double h = lambda(i + 1) - lambda(i), h_eta = 2.0 * h;
  const double w = -std::expm1(-h_eta);  // 1 - e^{-2h}
  auto next = x * (sigma(i + 1) / sigma(i) * std::exp(-h)) + denoised * (alpha(i + 1) * w);
  const double phi_2 = std::expm1(-h_eta) / h_eta + 1.0;
  if (e1.defined() && e2.defined()) {
    const double r0 = (lambda(i) - lambda(i - 1)) / h, r1 = (lambda(i - 1) - lambda(i - 2)) / h;
    const auto d1_0 = (denoised - e1) / r0, d1_1 = (e1 - e2) / r1;
    const auto d1 = d1_0 + (d1_0 - d1_1) * (r0 / (r0 + r1));
    const auto d2 = (d1_0 - d1_1) / (r0 + r1);
    const double phi_3 = phi_2 / h_eta - 0.5;
    next = next + (d1 * phi_2 - d2 * phi_3) * alpha(i + 1);
  } else if (e1.defined()) {
    const double r = (lambda(i) - lambda(i - 1)) / h;
    next = next + (denoised - e1) * (phi_2 * alpha(i + 1) / r);
  }
  return next + noise_.at(i) * (s_noise_ * sigma(i + 1) * std::sqrt(w));
}

std::unique_ptr<Sampler> make_dpmpp_3m_sde_sampler(const SolverContext& c) {
  return std::make_unique<DpmPP3MSdeSampler>(c.ve(), c.noise);
}

}  // namespace drf
