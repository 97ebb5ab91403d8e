// The model-family registry: what the application knows about each family of models, in one
// table (llama.cpp's architecture table is the model). The model list of the CLI and the GUI,
// the loader's random:* names, detection of a diffusers folder's pipeline class and of a
// single file's keys, native sizes and the GUI's size presets come from here; a new family is
// a folder under core/models/ that defines its ModelFamily, plus one line in
// core/models/families/family_list.h (docs/sdxl.md, "Adding a family"). Free of LibTorch so
// that the Qt GUI may include it.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace drf {

struct RandomModel {
  std::string source;       // "random:sdxl"
  std::string description;  // one line for the CLI and GUI lists
};

struct SizePreset {
  int width = 0, height = 0;  // pixels; "width:height" aspect in the GUI label
};

struct ModelFamily {
  std::string id;            // "sd1", "sd2", "sdxl", "sdxl-refiner", "emoji-pixel", "analytic"
  std::string display_name;  // "Stable Diffusion XL"
  // ModelSummary::architecture values that belong to this family ("sd15", "sd-custom"...).
  std::vector<std::string> architectures;
  int native_size = 0;  // pixels (square)
  // VAE: latents the sampler sees = (z - shift) * scaling; force_upcast = decode in float32.
  double vae_scaling_factor = 0.0;
  bool vae_force_upcast = false;
  std::vector<RandomModel> random_models;
  // diffusers model_index.json "_class_name" values of the family's pipelines.
  std::vector<std::string> pipeline_classes;
  // A single-file checkpoint belongs to the family when it has all of these keys.
  std::vector<std::string> single_file_keys;
  // Sizes the GUI offers (SDXL: its training buckets around one megapixel).
  std::vector<SizePreset> size_presets;
};

// Every family, most specific detection first.
const std::vector<ModelFamily>& model_families();

// The family of a ModelSummary::architecture value; nullptr when none claims it.
const ModelFamily* family_of_architecture(const std::string& architecture);
// The family whose pipeline_classes hold a diffusers model_index.json "_class_name".
const ModelFamily* family_of_pipeline_class(const std::string& class_name);
// The first family all of whose single_file_keys the checkpoint has (`has_key` asks it).
const ModelFamily* family_of_checkpoint(const std::function<bool(const std::string&)>& has_key);
// All random:* models, in registry order.
std::vector<RandomModel> all_random_models();
bool is_random_model(const std::string& source);

}  // namespace drf
