// Names of the solvers and of the noise-level schedules, without LibTorch (ui/ and the settings
// header include this). The solvers come from sampler_list.h; what each one is, its option set
// and its public names are read through sampler_registry.h.
#pragma once

#include "core/sampling/sampler_list.h"

namespace drf {

// One value per line of DRIFFUSION_SAMPLERS, in its order (append only: the GUI stores these
// as integers in its combo boxes).
#define DRF_SAMPLER_KIND_VALUE(Kind, ...) Kind,
enum class SamplerKind { DRIFFUSION_SAMPLERS(DRF_SAMPLER_KIND_VALUE) };
#undef DRF_SAMPLER_KIND_VALUE

// Where the N noise levels sit. Default: the training timesteps picked by the model's
// timestep_spacing (leading / trailing / linspace), or for flow-matching models the shifted
// flow sigmas; the others redistribute the sigmas between the default's extremes.
enum class ScheduleKind { Default, Karras, Exponential, SgmUniform };

}  // namespace drf
