// The built-in pixel-space emoji model (resources/models/builtin), selected by the name "builtin".
#include "core/models/builtin/builtin_model.h"
#include "core/models/families/family_builder.h"
#include "core/util/errors.h"

namespace drf {

FamilyBuilder builtin_family_builder() {
  FamilyBuilder b;
  b.named_sources = {"builtin"};
  b.load_named = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    if (p) throw UsageError("the prediction type of the built-in model cannot be overridden");
    return load_builtin_pipeline(r);
  };
  return b;
}

}  // namespace drf
