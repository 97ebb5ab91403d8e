#include "core/sampling/fidelity_table.h"

#include <cmath>
#include <cstdio>

#include "core/sampling/sampler_registry.h"

namespace drf {

const std::vector<FidelityEntry>& measured_fidelity(FidelityModel model) {
  // docs/fidelity.md (25 steps; see there for prompts and seeds).
  static const std::vector<FidelityEntry> builtin = {
#include "core/sampling/fidelity_table.inc"
  };
  static const std::vector<FidelityEntry> lcm_distilled = {
#include "core/sampling/fidelity_table_lcm_model.inc"
  };
  return model == FidelityModel::LcmDistilled ? lcm_distilled : builtin;
}

std::optional<FidelityEntry> measured_fidelity_for(SamplerKind sampler, Mode mode, int width, int warmup_steps,
                                                   double guidance, FidelityModel model) {
  if (mode == Mode::Sequential) return std::nullopt;
  std::optional<FidelityEntry> best;
  for (const FidelityEntry& e : measured_fidelity(fidelity_table_for(sampler, model))) {
    if (e.sampler != sampler || e.mode != mode || e.width != width || e.warmup_steps != warmup_steps) continue;
    if (!best || std::abs(e.guidance - guidance) < std::abs(best->guidance - guidance)) best = e;
  }
  return best;
}

std::optional<std::string> fidelity_warning(SamplerKind sampler, Mode mode, int width, int warmup_steps,
                                            double guidance, FidelityModel model) {
  const auto e = measured_fidelity_for(sampler, mode, width, warmup_steps, guidance, model);
  if (!e || e->mean_psnr_db >= kFidelityWarnBelowDb) return std::nullopt;
  char line[400];
  std::snprintf(line, sizeof line,
                "%s with %s width %d and %d warm-up steps measured %.1f dB mean PSNR against its sequential images on "
                "%s (guidance %.0f; docs/fidelity.md): expect visible differences; a smaller width, "
                "more warm-up steps or conservative mode keeps closer",
                sampler_info(sampler).display_name, mode_name(mode), width, warmup_steps, e->mean_psnr_db,
                fidelity_table_for(sampler, model) == FidelityModel::LcmDistilled ? "the LCM-distilled built-in model"
                                                                                   : "the built-in model",
                e->guidance);
  return std::string(line);
}

}  // namespace drf
