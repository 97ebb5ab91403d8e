// Measured fidelity of DRiffusion against the same solver's sequential images on the built-in
// model: the one place the CLI (and the GUI) read to warn before running a combination that
// degrades badly. docs/samplers.md has the full table and how it was measured.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/sampling/draft_mode.h"
#include "core/sampling/sampler_kind.h"

namespace drf {

struct FidelityEntry {
  SamplerKind sampler;
  Mode mode;
  int width;
  int warmup_steps;  // DRiffusion warm-up the images ran with (draft_plan.h)
  double guidance;
  double mean_psnr_db;  // mean over the measured prompts and seeds
  double mean_ssim = 0.0;
  int images = 0;  // prompt x seed pairs behind the means
};

// Which model the numbers were measured on: the built-in model (the proxy for every model), or
// its LCM-distilled copy (session 18; the proxy for LCM-distilled models: the LCM sampler behaves
// differently on a model trained for it).
enum class FidelityModel { Builtin, LcmDistilled };

const std::vector<FidelityEntry>& measured_fidelity(FidelityModel model = FidelityModel::Builtin);

// The table that holds this sampler's numbers for such a model: an LCM-distilled model has its
// own for the LCM sampler alone; its other samplers read the built-in model's (the engine warns
// that the model is not made for them).
inline FidelityModel fidelity_table_for(SamplerKind sampler, FidelityModel model) {
  return model == FidelityModel::LcmDistilled && sampler == SamplerKind::LCM ? model : FidelityModel::Builtin;
}

// Below this mean PSNR the images differ visibly from the sequential ones.
constexpr double kFidelityWarnBelowDb = 20.0;

// The entry for this sampler, mode, width and warm-up at the nearest measured guidance; nullopt
// when the combination was not measured (or the run is sequential).
std::optional<FidelityEntry> measured_fidelity_for(SamplerKind sampler, Mode mode, int width, int warmup_steps,
                                                   double guidance, FidelityModel model = FidelityModel::Builtin);

// A one-line warning with the measured number when the combination is below the threshold.
std::optional<std::string> fidelity_warning(SamplerKind sampler, Mode mode, int width, int warmup_steps,
                                            double guidance, FidelityModel model = FidelityModel::Builtin);

// The same for a job's settings (GenerationSettings and effective_warmup: core/engine/settings.h,
// above sampling, so a template here, found by argument-dependent lookup, rather than an include).
template <class Settings>
std::optional<std::string> fidelity_warning(const Settings& s, FidelityModel model = FidelityModel::Builtin) {
  return fidelity_warning(s.sampler, s.mode, s.width, effective_warmup(s), s.guidance, model);
}

}  // namespace drf
