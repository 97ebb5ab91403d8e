// Diffusers-format SDXL folders (base and refiner): model_index.json naming an SDXL pipeline;
// unet/, text_encoder/ (CLIP ViT-L; absent in the refiner), text_encoder_2/ (bigG with
// projection), vae/ with config.json and safetensors (or .fp16.safetensors) weights;
// tokenizer/ and tokenizer_2/; scheduler/scheduler_config.json.
#pragma once
#include <optional>
#include <string>

#include "core/models/sdxl/sdxl_pipeline.h"

namespace drf {

// True when `folder`'s model_index.json names an SDXL pipeline class, or, without one, when it
// has a text_encoder_2/ subfolder.
bool is_sdxl_diffusers_folder(const std::string& folder);

// Loads the folder on the request's device and dtype (the VAE in float32 when its config says
// force_upcast). Throws InputError naming the folder and the missing or mismatched file.
// `prediction` overrides the scheduler config's prediction type (v-prediction fine-tunes).
std::unique_ptr<SdxlPipeline> load_sdxl_diffusers_folder(const PipelineRequest& request,
                                                         std::optional<PredictionType> prediction = std::nullopt);

}  // namespace drf
