// SDXL base and refiner in the model-family registry (plain C++: the GUI reads it too).
#include "core/models/families/family_list.h"
#include "core/models/families/model_family.h"

namespace drf {

namespace {
// SDXL's aspect-ratio buckets around 1024x1024 (the sizes its training data was cropped to;
// the commonly used subset from the SDXL report's bucket list).
std::vector<SizePreset> sdxl_size_buckets() {
  return {{1024, 1024}, {1152, 896}, {896, 1152}, {1216, 832}, {832, 1216},
          {1344, 768},  {768, 1344}, {1536, 640}, {640, 1536}};
}

// What base and refiner share: one VAE (latent space, fp32 decode), native size and buckets.
ModelFamily sdxl_latent_space_family() {
  ModelFamily m;
  m.native_size = 1024;
  m.vae_scaling_factor = 0.13025;
  m.vae_force_upcast = true;
  m.size_presets = sdxl_size_buckets();
  return m;
}
}  // namespace

ModelFamily sdxl_family() {
  ModelFamily m = sdxl_latent_space_family();
  m.id = "sdxl";
  m.display_name = "Stable Diffusion XL";
  m.architectures = {"sdxl", "sdxl-tiny"};
  m.random_models = {{"random:sdxl", "SDXL base 1.0 architecture with random weights (speed tests, 1024x1024)"},
                     {"random:sdxl-tiny", "a tiny SDXL-shaped model with random weights (fast tests)"}};
  m.pipeline_classes = {"StableDiffusionXLPipeline"};
  // The base's CLIP ViT-L (embedder 0) next to OpenCLIP bigG (embedder 1).
  m.single_file_keys = {"conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
                        "conditioner.embedders.1.model.token_embedding.weight"};
  return m;
}

ModelFamily sdxl_refiner_family() {
  ModelFamily m = sdxl_latent_space_family();
  m.id = "sdxl-refiner";
  m.display_name = "Stable Diffusion XL refiner";
  m.architectures = {"sdxl-refiner", "sdxl-refiner-tiny"};
  m.random_models = {{"random:sdxl-refiner", "SDXL refiner 1.0 architecture with random weights (speed tests)"},
                     {"random:sdxl-refiner-tiny", "a tiny SDXL-refiner-shaped model with random weights (fast tests)"}};
  m.pipeline_classes = {"StableDiffusionXLImg2ImgPipeline"};
  m.single_file_keys = {"conditioner.embedders.0.model.token_embedding.weight"};
  return m;
}

}  // namespace drf
