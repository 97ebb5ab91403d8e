// SDXL base and refiner: random presets, diffusers folders (also a folder with text_encoder_2/
// and no model_index.json class) and sgm-layout single files.
#include "core/models/families/family_builders.h"
#include "core/models/sdxl/sdxl_diffusers_folder.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/models/sdxl/sdxl_single_file.h"

namespace drf {

FamilyBuilder sdxl_family_builder() {
  FamilyBuilder b;
  b.make_random = [](const std::string& preset, const PipelineRequest& r) -> std::unique_ptr<Pipeline> {
    return make_random_sdxl_pipeline(preset, r);
  };
  b.load_diffusers_folder = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    return load_sdxl_diffusers_folder(r, p);
  };
  b.claims_folder = [](const std::string& folder) { return is_sdxl_diffusers_folder(folder); };
  b.load_single_file = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    return load_sdxl_single_file(r, p);
  };
  return b;
}

}  // namespace drf
