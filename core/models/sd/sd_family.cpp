// Stable Diffusion 1.x and 2.x in the model-family registry (plain C++: the GUI reads it too).
#include "core/models/families/family_list.h"
#include "core/models/families/model_family.h"

namespace drf {

ModelFamily sd2_family() {
  ModelFamily m;
  m.id = "sd2";
  m.display_name = "Stable Diffusion 2.x";
  m.architectures = {"sd21"};
  m.native_size = 768;
  m.vae_scaling_factor = 0.18215;
  m.random_models = {{"random:sd21", "Stable Diffusion 2.1 architecture with random weights (speed tests, 768x768)"}};
  // Same pipeline class as SD 1.x: the SD loader tells them apart by the UNet's context width.
  m.single_file_keys = {"cond_stage_model.model.token_embedding.weight"};
  m.size_presets = {{768, 768}, {512, 512}};
  return m;
}

ModelFamily sd1_family() {
  ModelFamily m;
  m.id = "sd1";
  m.display_name = "Stable Diffusion 1.x";
  m.architectures = {"sd15", "sd-tiny", "sd-custom"};
  m.native_size = 512;
  m.vae_scaling_factor = 0.18215;
  m.random_models = {{"random:sd15", "Stable Diffusion 1.5 architecture with random weights (speed tests, 512x512)"},
                     {"random:tiny", "a tiny SD-shaped model with random weights (fast tests)"}};
  m.pipeline_classes = {"StableDiffusionPipeline"};
  m.single_file_keys = {"cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"};
  m.size_presets = {{512, 512}, {768, 768}};
  return m;
}

}  // namespace drf
