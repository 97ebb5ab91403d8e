// libFuzzer target: JSON config files (size/depth-capped parsing, typed getters, the diffusers
// scheduler_config reader). Only InputError may escape the parsers.
#include <cstdint>
#include <string>

#include "core/io/json_file.h"
#include "core/io/scheduler_config.h"
#include "core/util/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto j = drf::parse_json_text(text, "fuzz.json", drf::JsonLimits{1u << 20, 64});
    for (const char* key :
         {"num_train_timesteps", "beta_start", "prediction_type", "set_alpha_to_one", "_class_name"}) {
      try {
        (void)drf::get_int(j, key, 0, "fuzz.json");
      } catch (const drf::InputError&) {
      }
      try {
        (void)drf::get_double(j, key, 0, "fuzz.json");
        (void)drf::get_bool(j, key, false, "fuzz.json");
        (void)drf::get_string(j, key, "", "fuzz.json");
      } catch (const drf::InputError&) {
      }
    }
    (void)drf::scheduler_config_from_json(j, "fuzz.json");
  } catch (const drf::InputError&) {
  }
  return 0;
}
