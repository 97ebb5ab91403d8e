#include "core/sampling/fidelity_table.h"

#include <cmath>
#include <cstdio>

#include "core/sampling/sampler_registry.h"

namespace drf {

const std::vector<FidelityEntry>& measured_fidelity() {
  // docs/samplers.md, "Fidelity on the built-in model" (25 steps; see there for prompts and seeds).
  static const std::vector<FidelityEntry> table = {
#include "core/sampling/fidelity_table.inc"
  };
  return table;
}

std::optional<FidelityEntry> measured_fidelity_for(SamplerKind sampler, Mode mode, int width, int warmup_steps,
                                                   double guidance) {
  if (mode == Mode::Sequential) return std::nullopt;
  std::optional<FidelityEntry> best;
  for (const FidelityEntry& e : measured_fidelity()) {
    if (e.sampler != sampler || e.mode != mode || e.width != width || e.warmup_steps != warmup_steps) continue;
    if (!best || std::abs(e.guidance - guidance) < std::abs(best->guidance - guidance)) best = e;
  }
  return best;
}

std::optional<std::string> fidelity_warning(SamplerKind sampler, Mode mode, int width, int warmup_steps,
                                            double guidance) {
  const auto e = measured_fidelity_for(sampler, mode, width, warmup_steps, guidance);
  if (!e || e->mean_psnr_db >= kFidelityWarnBelowDb) return std::nullopt;
  char line[360];
  std::snprintf(line, sizeof line,
                "%s with %s width %d and %d warm-up steps measured %.1f dB mean PSNR against its sequential images on "
                "the built-in model (guidance %.0f; docs/fidelity.md): expect visible differences; a smaller width, "
                "more warm-up steps or conservative mode keeps closer",
                sampler_info(sampler).display_name, mode_name(mode), width, warmup_steps, e->mean_psnr_db, e->guidance);
  return std::string(line);
}

}  // namespace drf
