// The built-in model ("--model builtin", the GUI's default): a small pixel-space text-to-image
// emoji model trained by this project (app/train, docs/builtin-model.md) and shipped under
// share/driffusion/builtin. It is a UNet2DConditionModel + CLIPTextModel from core/models in
// small configurations with its own BPE vocabulary, so the same loader, tokenizer and samplers
// serve it and real SD checkpoints. Pixel space: the sampler state IS the image in [-1, 1]
// (decode = (x + 1) / 2, previews are the state itself).
//
// Folder layout (diffusers-like, without a VAE):
//   unet/config.json                          unet/diffusion_pytorch_model.safetensors
//   text_encoder/config.json                  text_encoder/model.safetensors
//   tokenizer/vocab.json, tokenizer/merges.txt
//   scheduler/scheduler_config.json
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "core/engine/pipeline.h"
#include "core/models/clip/clip_text_model.h"
#include "core/models/unet/unet_2d_condition.h"

namespace drf {

namespace builtin_files {
inline constexpr const char* kUnetConfig = "unet/config.json";
inline constexpr const char* kUnetWeights = "unet/diffusion_pytorch_model.safetensors";
inline constexpr const char* kTextConfig = "text_encoder/config.json";
inline constexpr const char* kTextWeights = "text_encoder/model.safetensors";
inline constexpr const char* kTokenizerDir = "tokenizer";
inline constexpr const char* kSchedulerConfig = "scheduler/scheduler_config.json";
inline constexpr const char* kResourceSubdir = "builtin";  // under the resource folder
}  // namespace builtin_files

inline constexpr const char* kBuiltinSource = "builtin";  // the shipped model's name

struct BuiltinModelConfig {
  UNetConfig unet;
  ClipTextConfig text;
  ScheduleConfig schedule;
  int image_size() const { return static_cast<int>(unet.sample_size); }
  int context_length() const { return static_cast<int>(text.max_position_embeddings); }
};

// The architecture and noise schedule the trainer uses (and the shipped weights were trained
// with): a 4-level pixel UNet with cross-attention at 16x16 and 8x8, a 4-layer CLIP text tower
// of width 256, cosine schedule, v-prediction, trailing timesteps.
BuiltinModelConfig builtin_model_architecture(int64_t vocab_size);

// Reads the three config files of a built-in model folder; InputError naming the file at fault,
// also when the UNet and text encoder do not fit together or the UNet is not pixel-space RGB.
BuiltinModelConfig read_builtin_model_config(const std::filesystem::path& dir);
// Writes the three config files (atomically) into dir, creating the sub-folders.
void write_builtin_model_config(const std::filesystem::path& dir, const BuiltinModelConfig& config);

struct BuiltinModules {
  UNet2DConditionModel unet{nullptr};
  ClipTextModel text_encoder{nullptr};
};
// Both networks with EMPTY parameters on options' device and dtype.
BuiltinModules build_builtin_modules(const BuiltinModelConfig& config, const torch::TensorOptions& options);
// Loads the weights of a built-in model folder into `modules` (every tensor checked by name and shape).
void load_builtin_weights(BuiltinModules& modules, const std::filesystem::path& dir, torch::Dtype dtype,
                          const torch::Device& device);

// The model in `dir` as an engine pipeline on the request's device and dtype.
std::unique_ptr<Pipeline> load_builtin_pipeline_from(const std::filesystem::path& dir, const PipelineRequest& request);
// The shipped model: <resource folder>/builtin (core/util/resource_paths.h).
std::unique_ptr<Pipeline> load_builtin_pipeline(const PipelineRequest& request);
// A folder in this layout given by path (what driffusion-train exports, e.g. its LCM-distilled
// copy, docs/builtin-model.md): unet/, text_encoder/ and tokenizer/, a pixel-space RGB UNet, no
// vae/ and no model_index.json. Reads nothing but the folder's entries and the UNet config.
bool is_builtin_model_folder(const std::filesystem::path& dir);

}  // namespace drf
