// SD3 / SD3.5 diffusers folders (model_index.json "StableDiffusion3Pipeline"): transformer/,
// vae/, text_encoder/ + text_encoder_2/ (CLIPTextModelWithProjection), the optional
// text_encoder_3/ (T5-XXL, often sharded; without it the T5 tokens are zeros), tokenizer/,
// tokenizer_2/, tokenizer_3/ and scheduler/ (FlowMatchEulerDiscreteScheduler, its shift).
#pragma once
#include <memory>
#include <optional>

#include "core/models/sd3/sd3_pipeline.h"

namespace drf {

// True for a folder whose model_index.json names StableDiffusion3Pipeline or, without a class,
// that holds transformer/ and text_encoder_2/.
bool is_sd3_diffusers_folder(const std::string& folder);

std::unique_ptr<Sd3Pipeline> load_sd3_diffusers_folder(const PipelineRequest& request,
                                                       std::optional<PredictionType> prediction);

}  // namespace drf
