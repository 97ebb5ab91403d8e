// Single-file SD3 / SD3.5 checkpoints in Stability's layout (sd3_medium*.safetensors,
// sd3.5_large.safetensors, sd3.5_medium.safetensors as published and as ComfyUI saves them):
//   model.diffusion_model.*              the MMDiT in its original names (sd3_mmdit_key_map.h)
//   text_encoders.clip_l.transformer.*   CLIP ViT-L, transformers names (optional; without its
//                                        text_projection the projection is the identity, as
//                                        diffusers' single-file loader does)
//   text_encoders.clip_g.transformer.*   OpenCLIP bigG, transformers names (optional)
//   text_encoders.t5xxl.transformer.*    T5-XXL encoder, transformers names (optional)
//   first_stage_model.*                  the 16-channel VAE, LDM names (optional)
// The architecture comes from the tensors' shapes (layers, width, patch, position table, qk norm,
// MMDiT-X blocks; the published presets by name). Files carry no tokenizers and may lack the
// text encoders and the VAE: those come from an SD3 diffusers folder given as the tokenizer
// folder (its tokenizer*/, text_encoder*/, vae/), and a missing part is named otherwise. Every
// tensor under a component's prefix must be one the architecture reads (InputError naming it).
#pragma once
#include <map>
#include <optional>
#include <string>

#include "core/models/loaders/weight_source.h"
#include "core/models/sd3/sd3_pipeline.h"

namespace drf {

inline const char* kSd3ClipLPrefix = "text_encoders.clip_l.transformer.";
inline const char* kSd3ClipGPrefix = "text_encoders.clip_g.transformer.";
inline const char* kSd3T5Prefix = "text_encoders.t5xxl.transformer.";

struct Sd3SingleFileContents {
  bool clip_l = false, clip_g = false, t5 = false, vae = false;
  bool clip_l_projection = false;  // text_encoders.clip_l.transformer.text_projection.weight present
};
Sd3SingleFileContents sd3_single_file_contents(const WeightSource& file);

// The MMDiT configuration the file's tensors imply (a published or tiny preset when the shapes
// are one's). InputError naming the file and the tensor when they imply none.
Sd3TransformerConfig sd3_single_file_transformer_config(const WeightSource& file);

std::unique_ptr<Sd3Pipeline> load_sd3_single_file(const PipelineRequest& request,
                                                  std::optional<PredictionType> prediction = std::nullopt);

// The model's tensors under their single-file names (the inverse mapping) for tests and tools:
// the transformer and the VAE, plus the text encoders present in `modules` when `text_encoders`.
std::map<std::string, torch::Tensor> sd3_single_file_state(const Sd3ModelConfig& config, const Sd3Modules& modules,
                                                           bool text_encoders);

}  // namespace drf
