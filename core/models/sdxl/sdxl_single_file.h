// Single-file SDXL checkpoints (.safetensors in the Stability "sgm" layout that ComfyUI and
// AUTOMATIC1111 users have): model.diffusion_model.* (the UNet, LDM names, label_emb for the
// text_time embedding), conditioner.embedders.0.transformer.* (CLIP ViT-L, transformers
// names) and conditioner.embedders.1.model.* (OpenCLIP bigG: fused in_proj, text_projection
// used as x @ P) for the base; conditioner.embedders.0.model.* (bigG alone) for the refiner;
// first_stage_model.* (the VAE). The family comes from its descriptors' single-file keys.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "core/models/families/model_family.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/models/loaders/weight_source.h"

namespace drf {

// SDXL base's or refiner's family descriptor (sdxl_family(), sdxl_refiner_family(): what the
// registry holds) when the file has its single-file keys, else nullptr.
const ModelFamily* sdxl_single_file_family(const WeightSource& file);

// Builds `config`'s modules and loads every one from `file`, checking that the file holds
// exactly the tensors the architecture expects (VAE loss tensors, position ids, OpenCLIP's
// logit_scale / attn_mask excepted). InputError naming the file and the tensor otherwise.
SdxlModules load_sdxl_single_file_modules(const SdxlModelConfig& config, std::shared_ptr<const WeightSource> file,
                                          const torch::TensorOptions& options);

// The modules' weights under their single-file names (the inverse mapping): for tests and
// conversion tools.
std::map<std::string, torch::Tensor> sdxl_single_file_state(const SdxlModelConfig& config, const SdxlModules& modules);

// Loads a single-file SDXL checkpoint (full-size base or refiner); needs request.tokenizer_dir.
std::unique_ptr<SdxlPipeline> load_sdxl_single_file(const PipelineRequest& request,
                                                    std::optional<PredictionType> prediction = std::nullopt);

}  // namespace drf
