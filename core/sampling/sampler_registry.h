// The one list of solvers and schedules: what the CLI, settings JSON, infotext and the GUI
// picker read (names, the AUTOMATIC1111 / ComfyUI names infotext writes and reads, which
// options a solver takes, whether it adds noise). The solvers' entries are generated from
// sampler_list.h (add a solver there, not here). No LibTorch here: ui/ includes it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/sampling/sampler_kind.h"

namespace drf {

struct SamplerInfo {
  SamplerKind kind;
  const char* name;          // CLI and settings JSON: "dpmpp_2m"
  const char* display_name;  // AUTOMATIC1111 infotext and the GUI: "DPM++ 2M"
  const char* comfy_name;    // ComfyUI's sampler_name
  const char* summary;       // one line for --help and tooltips
  bool stochastic;           // adds fresh noise every step (DDIM only when eta > 0)
  bool takes_eta;            // DDIM's eta
  bool takes_s_noise;        // scale of the added noise (ancestral / SDE solvers)
  bool flow_models;          // usable with flow-matching models (SD3, Flux)
};

struct ScheduleInfo {
  ScheduleKind kind;
  const char* name;          // CLI and settings JSON: "karras"
  const char* display_name;  // infotext "Schedule type: Karras"
  const char* summary;
};

const std::vector<SamplerInfo>& sampler_registry();
const std::vector<ScheduleInfo>& schedule_registry();
const SamplerInfo& sampler_info(SamplerKind kind);
const ScheduleInfo& schedule_info(ScheduleKind kind);

// Any of a solver's names (CLI, display, ComfyUI), case-insensitive; nullopt when unknown.
std::optional<SamplerKind> find_sampler(const std::string& name);
std::optional<ScheduleKind> find_schedule(const std::string& name);

// Comma-separated CLI names, for messages and --help.
std::string sampler_names();
std::string schedule_names();

}  // namespace drf
