// Prompt and negative prompt -> text-encoder conditioning, shared by the Stable Diffusion
// pipelines and the built-in model (both use a CLIP-style text transformer).
#pragma once
#include <string>
#include <vector>

#include "core/models/clip/clip_text_model.h"
#include "core/models/clip/prompt_tokenizer.h"
#include "core/sampling/guided_predictor.h"

namespace drf {

// With guidance != 1 the negative prompt (unconditional) and the prompt are encoded in one
// batch of two. A prompt longer than the context is truncated and a warning naming what was
// dropped is appended to `warnings` (the user sees it).
Conditioning encode_prompt_pair(const PromptTokenizer& tokenizer, ClipTextModel& encoder, int context,
                                const torch::Device& device, const std::string& prompt, const std::string& negative,
                                double guidance, int clip_skip, std::vector<std::string>& warnings);

}  // namespace drf
