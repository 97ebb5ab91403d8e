// Diffusers-format Stable Diffusion 1.x/2.x folders: model_index.json; unet/, text_encoder/,
// vae/ each with config.json and safetensors weights; tokenizer/ (vocab.json, merges.txt);
// scheduler/scheduler_config.json.
#pragma once
#include <filesystem>
#include <optional>

#include "core/models/sd/stable_diffusion_pipeline.h"
#include "core/models/loaders/weight_source.h"

namespace drf {

struct DiffusersFolderFiles {
  std::string unet_config, unet_weights;
  std::string text_config, text_weights;
  std::string vae_config, vae_weights;
  std::string tokenizer_dir;
  std::string scheduler_config;  // "" when absent (SD defaults are used)
};

// Finds the files of a diffusers folder. For each component the full-precision weights file
// is preferred for fp32 compute and the ".fp16" variant for fp16/bf16 compute (half the
// read), whichever exists. Pickle-only components (*.bin) are refused with conversion advice.
// Throws InputError naming the folder and the missing file.
DiffusersFolderFiles locate_diffusers_files(const std::string& folder, torch::Dtype compute_dtype);

// Parsed configs of a folder (model_index.json checked: SDXL, SD 3 etc. are refused).
SdModelConfig read_diffusers_config(const std::string& folder, const DiffusersFolderFiles& files);

std::unique_ptr<StableDiffusionPipeline> load_diffusers_folder(const PipelineRequest& request,
                                                               std::optional<PredictionType> prediction = std::nullopt);

}  // namespace drf
