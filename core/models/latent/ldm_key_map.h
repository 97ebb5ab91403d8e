// Key maps from the original Stable Diffusion (LDM / CompVis) single-file layout to the
// diffusers names our modules use. Each function takes the diffusers parameter names of a
// built module and returns, for each, the LDM key it is read from:
//   UNet  model.diffusion_model.{input_blocks,middle_block,output_blocks,time_embed,out}.*
//         (+ label_emb.0.{0,2}: SDXL's text_time add_embedding)
//   VAE   first_stage_model.{encoder,decoder}.{down,mid,up}.*, quant_conv, post_quant_conv
//   text  SD 1.x: cond_stage_model.transformer.text_model.* (transformers CLIP, same names)
//         SD 2.x: cond_stage_model.model.* (OpenCLIP: resblocks with a fused in_proj split into
//         q/k/v, positional_embedding, ln_final)
// The layout rules follow diffusers' single-file conversion (loaders/single_file_utils.py),
// inverted so that every expected tensor has exactly one source key.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/models/unet/unet_config.h"
#include "core/models/vae/vae_config.h"
#include "core/models/loaders/weight_source.h"

namespace drf {

inline const char* kLdmUnetPrefix = "model.diffusion_model.";
inline const char* kLdmVaePrefix = "first_stage_model.";
inline const char* kLdmClipPrefix = "cond_stage_model.transformer.";
inline const char* kLdmOpenClipPrefix = "cond_stage_model.model.";

std::map<std::string, KeyMapping> ldm_unet_key_map(const std::vector<std::string>& diffusers_names, const UNetConfig& c);
std::map<std::string, KeyMapping> ldm_vae_key_map(const std::vector<std::string>& diffusers_names, const VaeConfig& c);
// `text_model_prefix`: the LDM prefix in front of transformers' "text_model." names
// ("cond_stage_model.transformer."; older files drop "text_model.", then pass
// "cond_stage_model.transformer." and strip_text_model = true).
std::map<std::string, KeyMapping> ldm_clip_key_map(const std::vector<std::string>& diffusers_names,
                                                   const std::string& prefix, bool strip_text_model);
std::map<std::string, KeyMapping> ldm_open_clip_key_map(const std::vector<std::string>& diffusers_names,
                                                        int64_t hidden_size);
// The same under another prefix (SDXL: conditioner.embedders.{0,1}.model.), with
// CLIPTextModelWithProjection's text_projection.weight read transposed from "text_projection".
std::map<std::string, KeyMapping> ldm_open_clip_key_map(const std::vector<std::string>& diffusers_names,
                                                        int64_t hidden_size, const std::string& prefix);

// The inverse direction for tests and tools: a diffusers-named state -> LDM-named tensors.
std::map<std::string, torch::Tensor> to_ldm_names(const std::map<std::string, torch::Tensor>& diffusers_state,
                                                  const std::map<std::string, KeyMapping>& mapping);

}  // namespace drf
