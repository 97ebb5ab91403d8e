#include "core/sampling/sampler.h"

#include "core/sampling/ddim_sampler.h"
#include "core/sampling/ddpm_sampler.h"
#include "core/sampling/euler_sampler.h"
#include "core/util/errors.h"

namespace drf {

void Sampler::check_range(int i, int k) const {
  if (i < 0 || k < 1 || i + k > steps_)
    throw Error(ErrorKind::Internal, name() + ": skip " + std::to_string(i) + " -> " + std::to_string(i + k) +
                                         " is outside 0.." + std::to_string(steps_));
}

std::unique_ptr<Sampler> make_sampler(const NoiseSchedule& schedule, const SamplerOptions& o) {
  switch (o.kind) {
    case SamplerKind::DDIM:
      return std::make_unique<DdimSampler>(schedule, o.steps, o.eta, o.seed, o.state_shape, o.state_options);
    case SamplerKind::DDPM:
      return std::make_unique<DdpmSampler>(schedule, o.steps, o.seed, o.state_shape, o.state_options);
    case SamplerKind::Euler:
      return std::make_unique<EulerSampler>(schedule, o.steps, o.karras_sigmas);
  }
  throw Error(ErrorKind::Internal, "unknown sampler kind");
}

}  // namespace drf
