// What one model family tells the application about itself: the descriptor each family's folder
// returns from its <x>_family() function (core/models/families/family_list.h), plain C++ so that
// the GUI may read it. The registry over all of them is model_families.h; a family's own code
// includes only this header, which sits below the registry (docs/architecture.md, "Models").
#pragma once
#include <algorithm>
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

// Whether a single-file checkpoint belongs to `family`: it has every one of the family's
// single_file_keys (`has_key` asks the file). False for a family that lists none.
inline bool has_single_file_keys(const ModelFamily& family, const std::function<bool(const std::string&)>& has_key) {
  return !family.single_file_keys.empty() &&
         std::all_of(family.single_file_keys.begin(), family.single_file_keys.end(), has_key);
}

}  // namespace drf
