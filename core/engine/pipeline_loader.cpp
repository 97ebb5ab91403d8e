#include <filesystem>
#include <optional>

#include "core/analytic/analytic_pipeline.h"
#include "core/engine/pipeline.h"
#include "core/io/checkpoint_format.h"
#include "core/models/builtin_model.h"
#include "core/models/diffusers_folder.h"
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
    if (preset != "sd15" && preset != "sd21" && preset != "tiny")
      throw InputError("unknown model '" + src + "' (random models: random:sd15, random:sd21, random:tiny)");
    if (!request.prediction_type.empty())
      throw UsageError("the prediction type of a random:* model cannot be overridden");
    return make_random_sd_pipeline(preset, request);
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  if (has_pickle_extension(src)) throw InputError(pickle_refusal_message(src));
  if (fs::is_directory(src, ec)) return load_diffusers_folder(request, prediction_override(request));
  if (ends_with_ci(src, ".safetensors")) {
    if (!fs::exists(src, ec)) throw InputError("model file '" + src + "' does not exist");
    SingleFileOptions o;
    o.prediction = prediction_override(request);
    return load_single_file_checkpoint(request, o);
  }
  if (fs::exists(src, ec))
    throw InputError("cannot load '" + src + "': expected a .safetensors checkpoint or a diffusers model folder");
  throw InputError("unknown model '" + src +
                   "': not a built-in name (builtin, analytic, random:sd15, random:sd21, random:tiny), a folder or a .safetensors file");
}

}  // namespace drf
