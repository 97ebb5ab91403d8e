#include "core/io/scheduler_config.h"

#include "core/io/json_file.h"
#include "core/util/errors.h"

namespace drf {
namespace {

// Re-throws a parse_* InputError (which names only the value) with the file and key in front.
template <typename F>
auto parse_enum(const nlohmann::json& config, const std::string& key, const std::string& fallback,
                const std::string& file, F parse) {
  const std::string value = get_string(config, key, fallback, file);
  try {
    return parse(value);
  } catch (const InputError& e) {
    throw InputError(file + ": key '" + key + "': " + e.what());
  }
}

// diffusers' schedulers that share the training betas of DDPM (beta_start/beta_end/beta_schedule):
// the sampler they name is ours to choose, the noise schedule is the same.
bool is_noise_prediction_scheduler(const std::string& cls) {
  static const char* const known[] = {
      "DDIMScheduler",          "DDPMScheduler",
      "PNDMScheduler",          "LMSDiscreteScheduler",
      "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler",
      "HeunDiscreteScheduler",  "DPMSolverMultistepScheduler",
      "DPMSolverSinglestepScheduler", "DPMSolverSDEScheduler",
      "KDPM2DiscreteScheduler", "KDPM2AncestralDiscreteScheduler",
      "UniPCMultistepScheduler", "DEISMultistepScheduler",
      "LCMScheduler",           "TCDScheduler",
      "DDIMParallelScheduler",  "DDPMParallelScheduler"};
  for (const char* k : known)
    if (cls == k) return true;
  return false;
}

// diffusers' FlowMatchEulerDiscreteScheduler (SD3): sigmas with a fixed shift; the
// resolution-dependent shift of Flux (use_dynamic_shifting) is refused by name.
ScheduleConfig flow_config(const nlohmann::json& config, const std::string& file) {
  if (get_bool(config, "use_dynamic_shifting", false, file))
    throw InputError(file + ": key 'use_dynamic_shifting' = true (resolution-dependent shift) is not supported");
  for (const char* key : {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "invert_sigmas"})
    if (get_bool(config, key, false, file))
      throw InputError(file + ": key '" + std::string(key) + "' = true is not supported (choose the schedule when sampling)");
  if (has_key(config, "shift_terminal") && !config.at("shift_terminal").is_null())
    throw InputError(file + ": key 'shift_terminal' is not supported");
  ScheduleConfig c;
  c.flow_matching = true;
  c.prediction = PredictionType::FlowVelocity;
  c.num_train_timesteps = get_int(config, "num_train_timesteps", 1000, file);
  c.shift = get_double(config, "shift", 1.0, file);
  c.steps_offset = 0;
  try {
    NoiseSchedule check(c);
  } catch (const InputError& e) {
    throw InputError(file + ": " + e.what());
  }
  return c;
}

}  // namespace

ScheduleConfig scheduler_config_from_json(const nlohmann::json& config, const std::string& file) {
  require_object(config, file, "a scheduler configuration");
  if (has_key(config, "trained_betas"))
    throw InputError(file + ": key 'trained_betas' (an explicit beta list) is not supported");
  if (get_bool(config, "rescale_betas_zero_snr", false, file))
    throw InputError(file + ": key 'rescale_betas_zero_snr' = true is not supported");
  // diffusers' defaults when a key is absent (DDIMScheduler alone defaults set_alpha_to_one to true).
  const std::string cls = get_string(config, "_class_name", "", file);
  ScheduleConfig c;
  if (cls == "FlowMatchEulerDiscreteScheduler") return flow_config(config, file);
  if (!cls.empty() && !is_noise_prediction_scheduler(cls))
    throw InputError(file + ": scheduler class '" + cls +
                     "' is not supported (its noise schedule is not one we read; expected a diffusers DDPM-family "
                     "scheduler or FlowMatchEulerDiscreteScheduler)");
  c.num_train_timesteps = get_int(config, "num_train_timesteps", 1000, file);
  c.beta_start = get_double(config, "beta_start", 0.0001, file);
  c.beta_end = get_double(config, "beta_end", 0.02, file);
  c.beta_schedule = parse_enum(config, "beta_schedule", "linear", file, parse_beta_schedule);
  c.spacing = parse_enum(config, "timestep_spacing", "leading", file, parse_timestep_spacing);
  c.steps_offset = get_int(config, "steps_offset", 0, file);
  c.set_alpha_to_one = get_bool(config, "set_alpha_to_one", cls == "DDIMScheduler", file);
  c.prediction = parse_enum(config, "prediction_type", "epsilon", file, parse_prediction_type);
  c.consistency_distilled = cls == "LCMScheduler" || cls == "TCDScheduler";
  if (c.steps_offset < 0 || c.steps_offset >= c.num_train_timesteps)
    throw InputError(file + ": key 'steps_offset' = " + std::to_string(c.steps_offset) + " is outside 0.." +
                     std::to_string(c.num_train_timesteps - 1));
  try {
    NoiseSchedule check(c);  // validates the numeric ranges the schedule needs
  } catch (const InputError& e) {
    throw InputError(file + ": " + e.what());
  }
  return c;
}

ScheduleConfig read_scheduler_config(const std::string& path) {
  return scheduler_config_from_json(read_json_file(path, JsonLimits{1u << 20, 8}), path);
}

}  // namespace drf
