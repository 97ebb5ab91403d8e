#include "core/sampling/dpmpp_2m_sampler.h"

#include <cmath>

namespace drf {

torch::Tensor DpmPP2MSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                                   SolverHistory& history) {
  check_range(i, 1);
  const torch::Tensor old = i > 0 ? history.at(i - 1) : torch::Tensor();
  torch::Tensor next;
  if (!old.defined() || sigma(i + 1) == 0.0) {
    next = skip(x, denoised, i, 1);
  } else {
    const double h = lambda(i + 1) - lambda(i), r = (lambda(i) - lambda(i - 1)) / h;
    const auto d = denoised * (1.0 + 1.0 / (2.0 * r)) - old * (1.0 / (2.0 * r));
    next = x * (sigma(i + 1) / sigma(i)) + d * (-alpha(i + 1) * std::expm1(-h));
  }
  history.push(i, denoised, x);
  return next;
}

std::unique_ptr<Sampler> make_dpmpp_2m_sampler(const SolverContext& c) {
  return std::make_unique<DpmPP2MSampler>(c.ve());
}

}  // namespace drf
