// Consistency-distilled (LCM) models and the settings they are made for. Such a model's scheduler
// config names LCMScheduler or TCDScheduler; it draws its images in about 4 steps with the LCM
// sampler and CFG 1 (guidance is distilled into it), and looks poor with the usual 25 DDIM steps
// at CFG 5. The CLI uses these settings when none of --sampler/--steps/--cfg is typed; the GUI
// switches to them when such a model is picked.
#pragma once
#include <string>

#include "core/engine/settings.h"

namespace drf {

// From the scheduler config alone (no weights read): the built-in model's folder, or a model
// folder's scheduler/scheduler_config.json. False when there is none, or it does not
// parse (the loader reports that when the model loads).
bool source_is_consistency_distilled(const std::string& source);

inline constexpr int kConsistencySteps = 4;
inline constexpr double kConsistencyGuidance = 1.0;
// Sampler LCM, kConsistencySteps steps, CFG kConsistencyGuidance; nothing else changes.
void apply_consistency_settings(GenerationSettings& s);

}  // namespace drf
