// The complete, versioned record of a run as JSON: what an image file stores next to its
// infotext (the "driffusion-settings" text chunk) so the app can restore the run exactly.
// Unlike the infotext it is lossless: prompts byte for byte, 64-bit seeds (written as decimal
// strings, read as strings or unsigned integers), devices, dtype, every sampler option.
//
//   {"format": "driffusion-settings", "version": 1,
//    "settings": {"model": "analytic", "prompt": "...", "seed": "123", "steps": 25, ...},
//    "model": {"name": "...", "hash": "..."}, "image": {"width": 128, "height": 128},
//    "stats": {...}, "app": "driffusion 0.1.0"}
//
// Reading is strict: unknown keys, wrong types, out-of-range values and newer versions are
// InputErrors whose message names the field.
#pragma once
#include <string>

#include "core/engine/result.h"
#include "core/engine/settings.h"

namespace drf {

inline constexpr int kSettingsJsonVersion = 1;
inline constexpr const char* kSettingsJsonFormat = "driffusion-settings";

struct RunRecord {
  GenerationSettings settings;
  std::string model_name, model_hash;
  int image_width = 0, image_height = 0;  // the image produced (0 = unknown)
  RunStats stats;                         // how the run went (zeros when unknown)
  double measured_speedup = 0;            // > 0 when a comparison measured it
  std::string app_version;
};

RunRecord make_run_record(const GenerationResult& result, const std::string& app_version, double measured_speedup = 0);

// One line of JSON (no raw newlines, so it also fits a PPM comment line). Strings that are not
// valid UTF-8 are written with U+FFFD replacement characters.
std::string run_record_to_json(const RunRecord& record);
// Throws InputError naming the field at fault.
RunRecord run_record_from_json(const std::string& json_text);

// Only the settings part: {"format", "version", "settings"}.
std::string settings_to_json(const GenerationSettings& settings);
GenerationSettings settings_from_json(const std::string& json_text);

}  // namespace drf
