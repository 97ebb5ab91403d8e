// Names of the solvers and of the noise-level schedules, without LibTorch (ui/ and the settings
// header include this). What each one is, its option set and its public names live in
// sampler_registry.h.
#pragma once

namespace drf {

// Append only: the GUI stores these as integers in its combo boxes.
enum class SamplerKind {
  DDIM, DDPM, Euler, EulerAncestral, DpmPP2M, DpmPP2MSde, UniPC, UniPCNoCorrector, Heun, DpmPP3MSde, LCM
};

// Where the N noise levels sit. Default: the training timesteps picked by the model's
// timestep_spacing (leading / trailing / linspace), or for flow-matching models the shifted
// flow sigmas; the others redistribute the sigmas between the default's extremes.
enum class ScheduleKind { Default, Karras, Exponential, SgmUniform };

}  // namespace drf
