#include <filesystem>

#include "core/analytic/analytic_pipeline.h"
#include "core/engine/pipeline.h"
#include "core/util/errors.h"

namespace drf {

std::unique_ptr<Pipeline> load_pipeline(const PipelineRequest& request) {
  if (request.source == "analytic") return std::make_unique<AnalyticPipeline>();
  throw InputError("unknown model '" + request.source + "'");
}

}  // namespace drf
