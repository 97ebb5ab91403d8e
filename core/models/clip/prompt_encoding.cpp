#include "core/models/clip/prompt_encoding.h"

namespace drf {
namespace {

std::string clip_for_warning(const std::string& text) {
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

}  // namespace

Conditioning encode_prompt_pair(const PromptTokenizer& tokenizer, ClipTextModel& encoder, int context,
                                const torch::Device& device, const std::string& prompt, const std::string& negative,
                                double guidance, int clip_skip, std::vector<std::string>& warnings) {
  torch::NoGradGuard no_grad;
  const bool guided = guidance != 1.0;
  std::vector<int64_t> ids;
  auto add = [&](const std::string& text, const char* what) {
    PromptTokens t = tokenizer.encode(text, context);
    if (t.truncated)
      warnings.push_back(std::string(what) + " is longer than the text encoder's " + std::to_string(context) +
                         " tokens and was truncated; dropped: \"" + clip_for_warning(t.dropped_text) + "\"");
    ids.insert(ids.end(), t.ids.begin(), t.ids.end());
  };
  if (guided) add(negative, "the negative prompt");
  add(prompt, "the prompt");
  auto id_tensor = torch::tensor(ids, torch::kLong).view({guided ? 2 : 1, context}).to(device);
  auto hidden = encoder->forward(id_tensor, clip_skip);
  Conditioning c;
  c.guidance = guidance;
  if (guided) {
    c.uncond = hidden.slice(0, 0, 1);
    c.cond = hidden.slice(0, 1, 2);
  } else {
    c.cond = hidden;
  }
  return c;
}

}  // namespace drf
