// Reads a diffusers scheduler/scheduler_config.json into the schedule the samplers use. Keys the
// file leaves out take diffusers' defaults for the named scheduler class; settings this engine
// cannot honour (trained_betas, rescale_betas_zero_snr) are refused rather than ignored, because
// ignoring them would silently change the images.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/sampling/noise_schedule.h"

namespace drf {

// Throws InputError naming the file and the key at fault.
ScheduleConfig read_scheduler_config(const std::string& path);
ScheduleConfig scheduler_config_from_json(const nlohmann::json& config, const std::string& file);

}  // namespace drf
