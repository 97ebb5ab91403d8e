// The analytic Gaussian mixture (core/analytic), selected by the name "analytic": exact target
// distribution, CPU only, no weights.
#include "core/analytic/analytic_pipeline.h"
#include "core/models/families/family_builder.h"

namespace drf {

FamilyBuilder analytic_family_builder() {
  FamilyBuilder b;
  b.named_sources = {"analytic"};
  b.load_named = [](const PipelineRequest&, std::optional<PredictionType>) -> std::unique_ptr<Pipeline> {
    return std::make_unique<AnalyticPipeline>();
  };
  return b;
}

}  // namespace drf
