// SD3 / SD3.5 diffusers folders (model_index.json "StableDiffusion3Pipeline"): transformer/,
// vae/, text_encoder/ + text_encoder_2/ (CLIPTextModelWithProjection), the optional
// text_encoder_3/ (T5-XXL, often sharded; without it the T5 tokens are zeros), tokenizer/,
// tokenizer_2/, tokenizer_3/ and scheduler/ (FlowMatchEulerDiscreteScheduler, its shift).
// The per-component pieces are shared with single-file checkpoints, whose missing text
// encoders, VAE and tokenizers come from such a folder (core/models/sd3/sd3_single_file.h).
#pragma once
#include <filesystem>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/models/sd3/sd3_pipeline.h"

namespace drf {

// True for a folder whose model_index.json names StableDiffusion3Pipeline or, without a class,
// that holds transformer/ and text_encoder_2/.
bool is_sd3_diffusers_folder(const std::string& folder);

std::unique_ptr<Sd3Pipeline> load_sd3_diffusers_folder(const PipelineRequest& request,
                                                       std::optional<PredictionType> prediction);

// One component folder of an SD3 diffusers folder ("transformer", "text_encoder",
// "text_encoder_2", "text_encoder_3", "vae"): its config.json, parsed JSON, and weights (single,
// fp16 variant or sharded) with the files they are in. InputError naming the missing file.
struct Sd3FolderPart {
  std::string config_file;
  nlohmann::json config;
  std::vector<std::string> weight_files;
  std::shared_ptr<const WeightSource> weights;
};
Sd3FolderPart sd3_folder_part(const std::filesystem::path& root, const std::string& sub, torch::Dtype compute_dtype);

// Loading rules shared by the folder and single-file loaders: CLIP's position_ids buffer may be
// present, the VAE's older attention names are renamed, T5's tied token table is read either way.
void load_sd3_clip_weights(ClipTextModel& model, const WeightSource& weights, torch::Dtype dtype,
                           const torch::Device& device, const std::string& component);
void load_sd3_vae_weights(AutoencoderKL& vae, std::shared_ptr<const WeightSource> weights, const torch::Device& device);

// The CLIP tokenizers of tokenizer/ and tokenizer_2/ (bigG pads with "!"), T5's of tokenizer_3/
// when `with_t5`; `clip_override` (a tokenizer folder) replaces both CLIP ones when not empty.
Sd3Tokenizers load_sd3_folder_tokenizers(const std::filesystem::path& root, const std::string& clip_override,
                                         bool with_t5);

}  // namespace drf
