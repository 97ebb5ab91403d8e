#include "core/models/sd3/sd3_text_encoders.h"

#include <algorithm>

#include "core/util/errors.h"

namespace drf {

const char* const kSd3NoT5Warning =
    "no T5 text encoder: its 256 prompt tokens are zeros (as diffusers' StableDiffusion3Pipeline does without "
    "text_encoder_3); prompts follow less closely";

namespace {

torch::Tensor token_ids(const PromptTokenizer& tokenizer, const std::string& text, int context, const std::string& what,
                        const torch::Device& device, std::vector<std::string>* warnings) {
  PromptTokens t = tokenizer.encode(text, context);
  if (t.truncated && warnings) {
    const std::string dropped = t.dropped_text.size() > 120 ? t.dropped_text.substr(0, 117) + "..." : t.dropped_text;
    warnings->push_back(what + " is longer than the " + std::to_string(context) +
                        " tokens and was truncated; dropped: \"" + dropped + "\"");
  }
  return torch::tensor(t.ids, torch::kLong).view({1, context}).to(device);
}

}  // namespace

ConditioningTensors encode_sd3_prompt(Sd3TextEncoders& encoders, const Sd3Tokenizers& tokenizers,
                                      const torch::Device& device, const std::string& text, const char* what,
                                      const Sd3TextOptions& options, std::vector<std::string>& warnings) {
  torch::NoGradGuard no_grad;
  if (!encoders.clip_l || !encoders.clip_g || !tokenizers.clip_l || !tokenizers.clip_g)
    throw UsageError("SD3 prompt encoding needs both CLIP text encoders and their tokenizers");
  if (encoders.t5 && !tokenizers.t5) throw UsageError("SD3 prompt encoding: a T5 encoder without its tokenizer");
  if (options.clip_tokens < 1 || options.t5_tokens < 1)
    throw UsageError("SD3 prompt encoding: token counts must be positive");
  const std::string w(what);
  // Both CLIP tokenizers share CLIP's BPE vocabulary and cut at the same place: warn once.
  auto ids_l = token_ids(*tokenizers.clip_l, text, options.clip_tokens, w + " (CLIP)", device, &warnings);
  auto ids_g = token_ids(*tokenizers.clip_g, text, options.clip_tokens, w, device, nullptr);
  auto l = encoders.clip_l->forward_penultimate(ids_l, options.clip_skip);
  auto g = encoders.clip_g->forward_penultimate(ids_g, options.clip_skip);
  auto clip = torch::cat({l.hidden.to(torch::kFloat32), g.hidden.to(torch::kFloat32)}, -1);
  const int64_t width = clip.size(-1);
  if (width > options.joint_attention_dim)
    throw UsageError("SD3 prompt encoding: CLIP states of " + std::to_string(width) +
                     " features do not fit the joint attention width " + std::to_string(options.joint_attention_dim));
  clip = torch::constant_pad_nd(clip, {0, options.joint_attention_dim - width});

  torch::Tensor t5;
  if (encoders.t5) {
    if (encoders.t5->config().d_model != options.joint_attention_dim)
      throw UsageError("SD3 prompt encoding: T5 width " + std::to_string(encoders.t5->config().d_model) +
                       " differs from the joint attention width " + std::to_string(options.joint_attention_dim));
    auto ids = token_ids(*tokenizers.t5, text, options.t5_tokens, w + " (T5)", encoders.t5_device, &warnings);
    t5 = encoders.t5->forward(ids).to(device, torch::kFloat32);
  } else {
    t5 = torch::zeros({1, options.t5_tokens, options.joint_attention_dim},
                      torch::TensorOptions().dtype(torch::kFloat32).device(device));
    // Once per generation, not once per prompt (the negative prompt is encoded too).
    if (std::find(warnings.begin(), warnings.end(), kSd3NoT5Warning) == warnings.end())
      warnings.push_back(kSd3NoT5Warning);
  }
  ConditioningTensors out;
  out.context = torch::cat({clip.to(device), t5}, 1);
  out.pooled = torch::cat({l.pooled.to(torch::kFloat32), g.pooled.to(torch::kFloat32)}, -1).to(device);
  return out;
}

ClipTextConfig clip_text_config_sd3_l() {
  ClipTextConfig c = clip_text_config_sdxl_l();
  c.with_projection = true;
  c.projection_dim = 768;
  return c;
}

ClipTextConfig clip_text_config_sd3_g() { return clip_text_config_sdxl_bigg(); }

ClipTextConfig clip_text_config_sd3_tiny_l() {
  ClipTextConfig c = clip_text_config_sdxl_tiny_l();
  c.with_projection = true;
  c.projection_dim = c.hidden_size;
  return c;
}

ClipTextConfig clip_text_config_sd3_tiny_g() {
  ClipTextConfig c = clip_text_config_sdxl_tiny_g();
  c.with_projection = true;
  c.projection_dim = c.hidden_size;
  return c;
}

}  // namespace drf
