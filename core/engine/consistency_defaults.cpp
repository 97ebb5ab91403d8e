#include "core/engine/consistency_defaults.h"

#include <filesystem>

#include "core/io/scheduler_config.h"
#include "core/models/builtin/builtin_model.h"
#include "core/util/errors.h"
#include "core/util/resource_paths.h"

namespace drf {
namespace fs = std::filesystem;

bool source_is_consistency_distilled(const std::string& source) {
  try {
    std::error_code ec;
    fs::path folder;
    if (source == kBuiltinSource) {
      folder = resource_path(builtin_files::kResourceSubdir);  // throws when missing: the loader says so later
    } else if (fs::is_directory(source, ec)) {
      folder = source;
    } else {
      return false;  // a single file, a random: or analytic model: no scheduler config of its own
    }
    const fs::path config = folder / "scheduler" / "scheduler_config.json";
    if (!fs::is_regular_file(config, ec)) return false;
    return read_scheduler_config(config.string()).consistency_distilled;
  } catch (const Error&) {
    return false;
  }
}

void apply_consistency_settings(GenerationSettings& s) {
  s.sampler = SamplerKind::LCM;
  s.steps = kConsistencySteps;
  s.guidance = kConsistencyGuidance;
}

}  // namespace drf
