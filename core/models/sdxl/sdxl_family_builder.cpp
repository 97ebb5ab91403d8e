// SDXL base and refiner: random presets, diffusers folders (also a folder with text_encoder_2/
// and no model_index.json class) and sgm-layout single files.
#include "core/models/families/family_builder.h"
#include "core/models/sdxl/sdxl_diffusers_folder.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/models/sdxl/sdxl_single_file.h"

namespace drf {

FamilyBuilder sdxl_family_builder() {
  // The loaders return their own pipeline type; std::function converts it to Pipeline.
  FamilyBuilder b;
  b.make_random = make_random_sdxl_pipeline;
  b.load_diffusers_folder = load_sdxl_diffusers_folder;
  b.claims_folder = is_sdxl_diffusers_folder;
  b.load_single_file = load_sdxl_single_file;
  return b;
}

}  // namespace drf
