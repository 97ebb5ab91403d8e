#include "core/sampling/euler_sampler.h"

namespace drf {

std::unique_ptr<Sampler> make_euler_sampler(const SolverContext& c) {
  return std::make_unique<EulerSampler>(c.ve());
}

}  // namespace drf
