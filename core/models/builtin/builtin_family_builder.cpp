// The built-in pixel-space emoji model (resources/builtin), selected by the name "builtin", and
// folders in its layout given by path (driffusion-train's exports, e.g. its LCM-distilled copy).
#include "core/models/builtin/builtin_model.h"
#include "core/models/families/family_builder.h"
#include "core/util/errors.h"

namespace drf {

FamilyBuilder builtin_family_builder() {
  FamilyBuilder b;
  b.named_sources = {kBuiltinSource};
  b.load_named = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    if (p) throw UsageError("the prediction type of the built-in model cannot be overridden");
    return load_builtin_pipeline(r);
  };
  b.claims_folder = [](const std::string& folder) { return is_builtin_model_folder(folder); };
  b.load_diffusers_folder = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    if (p) throw UsageError("the prediction type of a built-in-format model cannot be overridden");
    return load_builtin_pipeline_from(r.source, r);
  };
  return b;
}

}  // namespace drf
