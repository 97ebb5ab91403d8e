#include "core/sampling/unipc_sampler.h"

#include <algorithm>
#include <cmath>

namespace drf {
namespace {

// Order of the predictor at step s: 2, but 1 at the first step (no earlier estimate) and at
// the last (lower_order_final).
int predictor_order(int s, int steps) { return std::min({2, steps - s, s + 1}); }

}  // namespace

torch::Tensor UniPCSampler::correct(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                                    const SolverHistory& history) const {
  const torch::Tensor m0 = history.at(i - 1);
  if (!corrector_ || i == 0 || !m0.defined() || !history.last_state.defined()) return x;
  // Under DRiffusion the estimates may come from drafts (Sampler::transfer); the corrector uses
  // them as they are. Skipping it there was better while drafts' estimates were moved as noise
  // predictions, worse since the Gaussian-prior transfer (docs/fidelity.md, UniPC).
  // UniC from x_{i-1} to x_i with the new estimate D_i, of the order step i-1 used.
  const double h = lambda(i) - lambda(i - 1), hh = -h;
  const double h_phi_1 = std::expm1(hh), b_h = std::expm1(hh);  // bh2: B(h) = e^{-h} - 1
  auto base = history.last_state * (sigma(i) / sigma(i - 1)) - m0 * (alpha(i) * h_phi_1);
  const torch::Tensor m1 = i >= 2 ? history.at(i - 2) : torch::Tensor();
  if (predictor_order(i - 1, steps()) < 2 || !m1.defined())
    return base - (denoised - m0) * (alpha(i) * b_h * 0.5);
  // Solve [[1, 1], [r1, 1]] rho = b for the two corrector weights (diffusers' R and b).
  const double r1 = (lambda(i - 2) - lambda(i - 1)) / h;
  double h_phi_k = h_phi_1 / hh - 1.0;
  const double b1 = h_phi_k / b_h;
  h_phi_k = h_phi_k / hh - 0.5;
  const double b2 = h_phi_k * 2.0 / b_h;
  const double rho0 = (b1 - b2) / (1.0 - r1), rho1 = b1 - rho0;
  const auto d1 = (m1 - m0) / r1;
  return base - (d1 * rho0 + (denoised - m0) * rho1) * (alpha(i) * b_h);
}

torch::Tensor UniPCSampler::step(const torch::Tensor& x_in, const torch::Tensor& denoised, int i,
                                 SolverHistory& history) {
  check_range(i, 1);
  const torch::Tensor x = correct(x_in, denoised, i, history);
  const torch::Tensor old = i > 0 ? history.at(i - 1) : torch::Tensor();
  torch::Tensor next;
  if (predictor_order(i, steps()) < 2 || !old.defined() || sigma(i + 1) == 0.0) {
    next = skip(x, denoised, i, 1);
  } else {
    const double h = lambda(i + 1) - lambda(i), hh = -h;
    const double h_phi_1 = std::expm1(hh), b_h = std::expm1(hh);
    const double r1 = (lambda(i - 1) - lambda(i)) / h;
    const auto d1 = (old - denoised) / r1;
    next = x * (sigma(i + 1) / sigma(i)) - denoised * (alpha(i + 1) * h_phi_1) - d1 * (alpha(i + 1) * b_h * 0.5);
  }
  history.push(i, denoised, x);
  return next;
}

std::unique_ptr<Sampler> make_unipc_sampler(const SolverContext& c) {
  return std::make_unique<UniPCSampler>(c.ve(), /*corrector=*/true);
}

std::unique_ptr<Sampler> make_unipc_nc_sampler(const SolverContext& c) {
  return std::make_unique<UniPCSampler>(c.ve(), /*corrector=*/false);
}

}  // namespace drf
