// SD3 / SD3.5: random presets, diffusers folders and single-file checkpoints (Stability's layout).
#include "core/models/families/family_builder.h"
#include "core/models/sd3/sd3_diffusers_folder.h"
#include "core/models/sd3/sd3_pipeline.h"
#include "core/models/sd3/sd3_single_file.h"

namespace drf {

FamilyBuilder sd3_family_builder() {
  // The loaders return their own pipeline type; std::function converts it to Pipeline.
  FamilyBuilder b;
  b.make_random = make_random_sd3_pipeline;
  b.load_diffusers_folder = load_sd3_diffusers_folder;
  b.claims_folder = is_sd3_diffusers_folder;
  b.load_single_file = load_sd3_single_file;
  return b;
}

}  // namespace drf
