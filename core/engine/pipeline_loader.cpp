#include <filesystem>
#include <optional>

#include "core/analytic/analytic_pipeline.h"
#include "core/engine/pipeline.h"
#include "core/io/checkpoint_format.h"
#include "core/io/safetensors_reader.h"
#include "core/models/builtin_model.h"
#include "core/models/diffusers_folder.h"
#include "core/models/families/model_families.h"
#include "core/models/sdxl/sdxl_diffusers_folder.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/models/sdxl/sdxl_single_file.h"
#include "core/models/single_file_checkpoint.h"
#include "core/models/stable_diffusion_pipeline.h"
#include "core/util/errors.h"

namespace drf {
namespace {

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  return true;
}

std::optional<PredictionType> prediction_override(const PipelineRequest& r) {
  if (r.prediction_type.empty()) return std::nullopt;
  return parse_prediction_type(r.prediction_type);
}

}  // namespace

namespace {
std::string random_model_list() {
  std::string out;
  for (const RandomModel& m : all_random_models()) out += (out.empty() ? "" : ", ") + m.source;
  return out;
}
}  // namespace

std::unique_ptr<Pipeline> load_pipeline(const PipelineRequest& request) {
  const std::string& src = request.source;
  if (src == "analytic") return std::make_unique<AnalyticPipeline>();
  if (src == "builtin") {
    if (!request.prediction_type.empty())
      throw UsageError("the prediction type of the built-in model cannot be overridden");
    return load_builtin_pipeline(request);
  }
  if (src.rfind("random:", 0) == 0) {
    const std::string preset = src.substr(7);
    const bool sdxl = is_sdxl_preset(preset);
    if (!is_random_model(src)) throw InputError("unknown model '" + src + "' (random models: " + random_model_list() + ")");
    if (!request.prediction_type.empty())
      throw UsageError("the prediction type of a random:* model cannot be overridden");
    if (sdxl) return make_random_sdxl_pipeline(preset, request);
    return make_random_sd_pipeline(preset, request);
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  if (has_pickle_extension(src)) throw InputError(pickle_refusal_message(src));
  if (fs::is_directory(src, ec)) {
    if (is_sdxl_diffusers_folder(src)) return load_sdxl_diffusers_folder(request, prediction_override(request));
    return load_diffusers_folder(request, prediction_override(request));
  }
  if (ends_with_ci(src, ".safetensors")) {
    if (!fs::exists(src, ec)) throw InputError("model file '" + src + "' does not exist");
    {  // SDXL base / refiner by their keys (core/models/families); SD 1.x/2.x otherwise.
      const SafetensorsWeightSource header(std::make_shared<const SafetensorsFile>(src));
      if (sdxl_single_file_family(header)) return load_sdxl_single_file(request, prediction_override(request));
    }
    SingleFileOptions o;
    o.prediction = prediction_override(request);
    return load_single_file_checkpoint(request, o);
  }
  if (fs::exists(src, ec))
    throw InputError("cannot load '" + src + "': expected a .safetensors checkpoint or a diffusers model folder");
  throw InputError("unknown model '" + src +
                   "': not a built-in name (builtin, analytic, " + random_model_list() + "), a folder or a .safetensors file");
}

}  // namespace drf
