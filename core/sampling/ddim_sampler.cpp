#include "core/sampling/ddim_sampler.h"

#include <cmath>

#include "core/util/errors.h"

namespace drf {

DdimSampler::DdimSampler(const NoiseSchedule& schedule, int steps, double eta, std::uint64_t seed,
                         std::vector<int64_t> state_shape, torch::TensorOptions state_options)
    : VpSamplerBase(schedule, steps,
                    schedule.config().set_alpha_to_one ? 1.0 : schedule.alpha_bar(0)),
      eta_(eta) {
  if (!(eta >= 0.0 && eta <= 1.0)) throw UsageError("DDIM eta must be between 0 and 1, got " + std::to_string(eta));
  if (eta > 0) noise_.emplace(seed, std::move(state_shape), state_options);
}

torch::Tensor DdimSampler::skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) {
  check_range(i, k);
  const double a_i = alpha_bar(i), a_j = alpha_bar(i + k);
  auto x0 = (x - eps * std::sqrt(1.0 - a_i)) / std::sqrt(a_i);
  if (eta_ == 0.0) return x0 * std::sqrt(a_j) + eps * std::sqrt(1.0 - a_j);
  // DDIM variance for the pair (i -> i+k); eq. 16 of the DDIM paper with prev = i+k.
  const double sigma = eta_ * std::sqrt((1.0 - a_j) / (1.0 - a_i)) * std::sqrt(1.0 - a_i / a_j);
  const double dir = std::sqrt(std::max(0.0, 1.0 - a_j - sigma * sigma));
  return x0 * std::sqrt(a_j) + eps * dir + noise_->at(i + k - 1) * sigma;
}

}  // namespace drf
