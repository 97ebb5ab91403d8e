#include "core/models/sdxl/sdxl_conditioning.h"

#include "core/util/errors.h"

namespace drf {

torch::Tensor sdxl_time_ids(const SdxlModelConfig& config, const SdxlSizeConditioning& size, int image_width,
                            int image_height, bool negative) {
  auto or_image = [](int v, int image) { return static_cast<float>(v > 0 ? v : image); };
  std::vector<float> ids{or_image(size.original_height, image_height), or_image(size.original_width, image_width),
                         static_cast<float>(size.crop_top), static_cast<float>(size.crop_left)};
  if (config.requires_aesthetics_score) {
    ids.push_back(static_cast<float>(negative ? size.negative_aesthetic_score : size.aesthetic_score));
  } else {
    ids.push_back(or_image(size.target_height, image_height));
    ids.push_back(or_image(size.target_width, image_width));
  }
  return torch::tensor(ids, torch::kFloat32).unsqueeze(0);
}

SdxlSizeConditioning sdxl_size_conditioning(const GenerationSettings& s) {
  SdxlSizeConditioning c;
  c.original_width = s.original_width;
  c.original_height = s.original_height;
  c.crop_left = s.crop_left;
  c.crop_top = s.crop_top;
  c.target_width = s.target_width;
  c.target_height = s.target_height;
  c.aesthetic_score = s.aesthetic_score;
  c.negative_aesthetic_score = s.negative_aesthetic_score;
  return c;
}

namespace {

torch::Tensor token_ids(const PromptTokenizer& tokenizer, const std::string& text, int context, const char* what,
                        const torch::Device& device, std::vector<std::string>& warnings) {
  PromptTokens t = tokenizer.encode(text, context);
  if (t.truncated) {
    const std::string dropped = t.dropped_text.size() > 120 ? t.dropped_text.substr(0, 117) + "..." : t.dropped_text;
    warnings.push_back(std::string(what) + " is longer than the text encoders' " + std::to_string(context) +
                       " tokens and was truncated; dropped: \"" + dropped + "\"");
  }
  return torch::tensor(t.ids, torch::kLong).view({1, context}).to(device);
}

}  // namespace

ConditioningTensors encode_sdxl_prompt(const SdxlModelConfig& config, SdxlModules& modules,
                                       const SdxlTokenizers& tokenizers, const torch::Device& device,
                                       const std::string& text, const char* what, int clip_skip,
                                       std::vector<std::string>& warnings) {
  torch::NoGradGuard no_grad;
  const int context = config.context_length();
  std::vector<torch::Tensor> hidden;
  ConditioningTensors out;
  if (config.has_text_l) {
    // Both tokenizers cut at the same place (same vocabulary): warn once.
    std::vector<std::string> ignored;
    hidden.push_back(
        modules.text_l->forward_penultimate(token_ids(*tokenizers.l, text, context, what, device, ignored), clip_skip)
            .hidden);
  }
  auto g = modules.text_g->forward_penultimate(token_ids(*tokenizers.g, text, context, what, device, warnings),
                                               clip_skip);
  hidden.push_back(g.hidden);
  out.context = torch::cat(hidden, -1);
  out.pooled = g.pooled;
  return out;
}

}  // namespace drf
