// SD3 / SD3.5: random presets, diffusers folders and single-file checkpoints (Stability's layout).
#include "core/models/families/family_builders.h"
#include "core/models/sd3/sd3_diffusers_folder.h"
#include "core/models/sd3/sd3_pipeline.h"
#include "core/models/sd3/sd3_single_file.h"

namespace drf {

FamilyBuilder sd3_family_builder() {
  FamilyBuilder b;
  b.make_random = [](const std::string& preset, const PipelineRequest& r) -> std::unique_ptr<Pipeline> {
    return make_random_sd3_pipeline(preset, r);
  };
  b.load_diffusers_folder = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    return load_sd3_diffusers_folder(r, p);
  };
  b.claims_folder = [](const std::string& folder) { return is_sd3_diffusers_folder(folder); };
  b.load_single_file = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    return load_sd3_single_file(r, p);
  };
  return b;
}

}  // namespace drf
