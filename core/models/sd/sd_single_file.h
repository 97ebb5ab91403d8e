// Single-file Stable Diffusion checkpoints (.safetensors in the original LDM layout, as
// AUTOMATIC1111 and ComfyUI users have them): detection of the family and the prediction
// type from the weights, and loading into the same modules as a diffusers folder.
//
// Detection rules (documented in docs/models.md):
//  - UNet present: model.diffusion_model.input_blocks.0.0.weight; its input channels must be 4.
//  - SD 1.x vs 2.x: the context width of the first cross-attention,
//    input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight [320, 768] vs [320, 1024].
//  - SDXL base / refiner files are loaded by core/models/sdxl/sdxl_single_file.h (the loader
//    asks the family registry first); other files with conditioner.embedders.* or label_emb
//    (unCLIP, partial SDXL files) are refused here.
//  - Prediction type: SD 1.x -> epsilon. SD 2.x -> metadata "modelspec.prediction_type" if
//    present, else a "v_pred" marker tensor, else ComfyUI's heuristic: the population std of
//    output_blocks.11.1.transformer_blocks.0.norm1.bias above 0.09 means v-prediction (SD 2.x
//    768-v), below means epsilon (SD 2.x base). The request can override all of it.
#pragma once
#include <functional>
#include <optional>

#include "core/models/sd/stable_diffusion_pipeline.h"
#include "core/models/loaders/weight_source.h"

namespace drf {

struct SingleFileDetection {
  std::string family;  // "sd1" | "sd2"
  PredictionType prediction = PredictionType::Epsilon;
  std::string prediction_reason;
  bool sd1_legacy_clip_names = false;  // cond_stage_model.transformer.* without "text_model."
};

// Throws InputError naming the file and the tensor that rules the file out.
SingleFileDetection detect_single_file(const WeightSource& file, const std::map<std::string, std::string>& metadata);

// The architecture a detection implies (configs of sd_preset("sd15") / ("sd21"); an SD 2.x
// epsilon model is SD 2.x-base: 512 px native).
SdModelConfig single_file_config(const SingleFileDetection& d);

// Loads every component from `file`, checking that the file holds exactly the tensors the
// architecture expects (EMA copies, schedule buffers and the dropped OpenCLIP layer excepted).
SdModules load_single_file_modules(const SdModelConfig& config, const SingleFileDetection& d,
                                   std::shared_ptr<const WeightSource> file, const torch::TensorOptions& options);

struct SingleFileOptions {
  std::optional<PredictionType> prediction;  // override the detected prediction type
};

std::unique_ptr<StableDiffusionPipeline> load_single_file_checkpoint(const PipelineRequest& request,
                                                                     const SingleFileOptions& options = {});

}  // namespace drf
