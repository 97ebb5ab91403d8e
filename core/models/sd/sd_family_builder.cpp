// Stable Diffusion 1.x and 2.x (one loader tells them apart by the UNet's context width).
// The fallback builder: folders and files no family claims reach its loaders, whose checks
// name what the input is (an unsupported pipeline class, a LoRA, a VAE, an inpainting UNet).
#include "core/models/sd/sd_diffusers_folder.h"
#include "core/models/families/family_builder.h"
#include "core/models/sd/sd_single_file.h"
#include "core/models/sd/stable_diffusion_pipeline.h"

namespace drf {

FamilyBuilder sd_family_builder() {
  // The loaders return their own pipeline type; std::function converts it to Pipeline.
  FamilyBuilder b;
  b.make_random = make_random_sd_pipeline;
  b.load_diffusers_folder = load_diffusers_folder;
  b.load_single_file = [](const PipelineRequest& r, std::optional<PredictionType> p) -> std::unique_ptr<Pipeline> {
    SingleFileOptions o;
    o.prediction = p;
    return load_single_file_checkpoint(r, o);
  };
  b.fallback = true;
  return b;
}

}  // namespace drf
