#include "core/sampling/vp_sampler_base.h"

namespace drf {

VpSamplerBase::VpSamplerBase(const NoiseSchedule& schedule, int steps, double final_alpha_bar)
    : Sampler(steps), timesteps_(schedule.timesteps(steps)) {
  for (int t : timesteps_) alpha_bar_.push_back(schedule.alpha_bar(t));
  alpha_bar_.push_back(final_alpha_bar);
}

}  // namespace drf
