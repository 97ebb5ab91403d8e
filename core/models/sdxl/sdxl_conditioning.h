// SDXL's conditioning (diffusers StableDiffusionXLPipeline.encode_prompt and _get_add_time_ids):
// the penultimate hidden states of CLIP ViT-L and OpenCLIP bigG concatenated (768 + 1280 =
// 2048; the refiner: bigG alone), bigG's projected pooled output, and the "time ids" of size
// and crop micro-conditioning.
#pragma once
#include <string>
#include <vector>

#include "core/engine/settings.h"
#include "core/models/clip/prompt_tokenizer.h"
#include "core/models/sdxl/sdxl_model.h"
#include "core/sampling/conditioning.h"

namespace drf {

// Sizes in pixels. Defaults (zeros) = the image size for original and target, (0, 0) crop.
// The refiner's aesthetic scores: diffusers' defaults (StableDiffusionXLImg2ImgPipeline).
struct SdxlSizeConditioning {
  int original_width = 0, original_height = 0;
  int crop_left = 0, crop_top = 0;
  int target_width = 0, target_height = 0;
  double aesthetic_score = 6.0, negative_aesthetic_score = 2.5;
};

// The settings' original size, crop, target size and aesthetic scores (GenerationSettings).
SdxlSizeConditioning sdxl_size_conditioning(const GenerationSettings& settings);

// [1, 6] (original h, w, crop top, left, target h, w) or, for the refiner, [1, 5] (original h,
// w, crop top, left, aesthetic score; the negative score for the unconditional row), float32.
torch::Tensor sdxl_time_ids(const SdxlModelConfig& config, const SdxlSizeConditioning& size, int image_width,
                            int image_height, bool negative);

struct SdxlTokenizers {
  std::shared_ptr<const PromptTokenizer> l;  // null for the refiner
  std::shared_ptr<const PromptTokenizer> g;
};

// One prompt -> context [1, 77, 2048] and pooled [1, 1280] (time ids are added by the caller).
// clip_skip counts layers before the penultimate one (0 = SDXL's default).
ConditioningTensors encode_sdxl_prompt(const SdxlModelConfig& config, SdxlModules& modules,
                                       const SdxlTokenizers& tokenizers, const torch::Device& device,
                                       const std::string& text, const char* what, int clip_skip,
                                       std::vector<std::string>& warnings);

}  // namespace drf
