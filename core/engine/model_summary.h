// What a loaded model says about itself (Pipeline::summary(), Engine::describe_model()): plain
// C++, part of the engine's facade types (engine_api in core/CMakeLists.txt), so pipeline.h
// needs nothing from the engine proper.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace drf {

struct ModelSummary {
  std::string name;          // display name
  std::string source;        // what GenerationSettings::model holds to select it
  std::string architecture;  // "sd15", "sd21", "emoji-pixel", "analytic-gmm"
  std::string prediction_type;
  int native_width = 0, native_height = 0;
  bool pixel_space = false;
  // Consistency-distilled (the scheduler config names LCMScheduler / TCDScheduler): made for the
  // LCM sampler at about 4 steps and CFG 1; the GUI switches to those, the engine warns otherwise.
  // Set by Engine::describe_model from the pipeline's schedule, not by the pipelines.
  bool consistency_distilled = false;
  std::vector<std::pair<std::string, long long>> parameter_counts;  // component -> count
};

}  // namespace drf
