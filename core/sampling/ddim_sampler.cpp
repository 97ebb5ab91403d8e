#include "core/sampling/ddim_sampler.h"

#include <cmath>

#include "core/util/errors.h"

namespace drf {

DdimSampler::DdimSampler(NoiseLevels levels, double eta, const NoiseRequest& noise)
    : Sampler(std::move(levels)), eta_(eta) {
  if (!(eta >= 0.0 && eta <= 1.0)) throw UsageError("DDIM eta must be between 0 and 1, got " + std::to_string(eta));
  if (eta > 0) noise_.emplace(noise);
}

torch::Tensor DdimSampler::step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) {
  torch::Tensor next = noisy_first_order_step(x, denoised, i);
  history.push(i, denoised, x);
  return next;
}

torch::Tensor DdimSampler::noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) {
  if (eta_ == 0.0) return skip(x, denoised, m, 1);
  check_range(m, 1);
  // Eq. 16 of the DDIM paper for the pair (m -> m+1).
  const double a_i = alpha_bar(m), a_j = alpha_bar(m + 1);
  const double sigma = eta_ * std::sqrt((1.0 - a_j) / (1.0 - a_i)) * std::sqrt(1.0 - a_i / a_j);
  const double dir = std::sqrt(std::max(0.0, 1.0 - a_j - sigma * sigma));
  auto eps = (x - denoised * alpha(m)) / this->sigma(m);
  return denoised * alpha(m + 1) + eps * dir + noise_->at(m) * sigma;
}

std::unique_ptr<Sampler> make_ddim_sampler(const SolverContext& c) {
  const ScheduleConfig& config = c.schedule.config();
  if (config.flow_matching && c.options.eta > 0)
    throw UsageError("DDIM eta > 0 is not defined for flow-matching models");
  // set_alpha_to_one = false ends at the first training step (diffusers' final_alpha_cumprod).
  return std::make_unique<DdimSampler>(c.vp(config.set_alpha_to_one ? 1.0 : c.schedule.alpha_bar(0)), c.options.eta,
                                       c.noise);
}

}  // namespace drf
