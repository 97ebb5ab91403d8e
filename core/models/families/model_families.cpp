#include "core/models/families/model_families.h"

#include <algorithm>

namespace drf {
namespace {

// SDXL's aspect-ratio buckets around 1024x1024 (the sizes its training data was cropped to;
// the commonly used subset from the SDXL report's bucket list).
std::vector<SizePreset> sdxl_buckets() {
  return {{1024, 1024}, {1152, 896}, {896, 1152}, {1216, 832}, {832, 1216},
          {1344, 768},  {768, 1344}, {1536, 640}, {640, 1536}};
}

std::vector<ModelFamily> make_families() {
  std::vector<ModelFamily> f;
  {  // First: an SD3 folder without a model_index class also has text_encoder_2/ (SDXL's claim).
    ModelFamily m;
    m.id = "sd3";
    m.display_name = "Stable Diffusion 3 / 3.5";
    m.architectures = {"sd3-medium", "sd35-medium", "sd35-large", "sd3-tiny", "sd3-custom"};
    m.native_size = 1024;
    m.vae_scaling_factor = 1.5305;  // and shift 0.0609 (core/models/sd3/sd3_model.cpp)
    m.vae_force_upcast = true;
    m.random_models = {{"random:sd3-medium", "SD3 medium architecture with random weights (MMDiT 2B + CLIP-L/G + T5-XXL, 1024x1024)"},
                       {"random:sd35-medium", "SD3.5 medium architecture with random weights (MMDiT-X, 1024x1024)"},
                       {"random:sd35-large", "SD3.5 large architecture with random weights (MMDiT 8B, 1024x1024)"},
                       {"random:sd3-tiny", "a tiny SD3-shaped model with random weights (fast tests)"}};
    m.pipeline_classes = {"StableDiffusion3Pipeline"};
    m.size_presets = {{1024, 1024}, {1152, 896}, {896, 1152}, {1216, 832}, {832, 1216}, {1344, 768}, {768, 1344}};
    f.push_back(m);
  }
  {
    ModelFamily m;
    m.id = "sdxl";
    m.display_name = "Stable Diffusion XL";
    m.architectures = {"sdxl", "sdxl-tiny"};
    m.native_size = 1024;
    m.vae_scaling_factor = 0.13025;
    m.vae_force_upcast = true;
    m.random_models = {{"random:sdxl", "SDXL base 1.0 architecture with random weights (speed tests, 1024x1024)"},
                       {"random:sdxl-tiny", "a tiny SDXL-shaped model with random weights (fast tests)"}};
    m.pipeline_classes = {"StableDiffusionXLPipeline"};
    // The base's CLIP ViT-L (embedder 0) next to OpenCLIP bigG (embedder 1).
    m.single_file_keys = {"conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
                          "conditioner.embedders.1.model.token_embedding.weight"};
    m.size_presets = sdxl_buckets();
    f.push_back(m);
  }
  {
    ModelFamily m;
    m.id = "sdxl-refiner";
    m.display_name = "Stable Diffusion XL refiner";
    m.architectures = {"sdxl-refiner", "sdxl-refiner-tiny"};
    m.native_size = 1024;
    m.vae_scaling_factor = 0.13025;
    m.vae_force_upcast = true;
    m.random_models = {{"random:sdxl-refiner", "SDXL refiner 1.0 architecture with random weights (speed tests)"},
                       {"random:sdxl-refiner-tiny", "a tiny SDXL-refiner-shaped model with random weights (fast tests)"}};
    m.pipeline_classes = {"StableDiffusionXLImg2ImgPipeline"};
    m.single_file_keys = {"conditioner.embedders.0.model.token_embedding.weight"};
    m.size_presets = sdxl_buckets();
    f.push_back(m);
  }
  {
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
    f.push_back(m);
  }
  {
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
    f.push_back(m);
  }
  {
    ModelFamily m;
    m.id = "emoji-pixel";
    m.display_name = "Built-in pixel-space model";
    m.architectures = {"emoji-pixel"};
    m.native_size = 64;
    f.push_back(m);
  }
  {
    ModelFamily m;
    m.id = "analytic";
    m.display_name = "Analytic Gaussian mixture";
    m.architectures = {"analytic-gmm"};
    m.native_size = 128;
    f.push_back(m);
  }
  return f;
}

}  // namespace

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = make_families();
  return families;
}

const ModelFamily* family_of_architecture(const std::string& architecture) {
  for (const auto& f : model_families())
    if (std::find(f.architectures.begin(), f.architectures.end(), architecture) != f.architectures.end()) return &f;
  return nullptr;
}

const ModelFamily* family_of_pipeline_class(const std::string& class_name) {
  for (const auto& f : model_families())
    if (std::find(f.pipeline_classes.begin(), f.pipeline_classes.end(), class_name) != f.pipeline_classes.end())
      return &f;
  return nullptr;
}

const ModelFamily* family_of_checkpoint(const std::function<bool(const std::string&)>& has_key) {
  for (const auto& f : model_families())
    if (!f.single_file_keys.empty() && std::all_of(f.single_file_keys.begin(), f.single_file_keys.end(), has_key))
      return &f;
  return nullptr;
}

std::vector<RandomModel> all_random_models() {
  std::vector<RandomModel> out;
  for (const auto& f : model_families()) out.insert(out.end(), f.random_models.begin(), f.random_models.end());
  return out;
}

bool is_random_model(const std::string& source) {
  for (const auto& m : all_random_models())
    if (m.source == source) return true;
  return false;
}

}  // namespace drf
