#include "core/models/loaders/lora_file.h"

#include <algorithm>
#include <map>

#include "core/io/safetensors_reader.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"
#include "core/util/utf8.h"

namespace drf {
namespace {

enum class LoraFactor { Down, Up, Alpha };

struct LoraSuffix {
  const char* text;
  LoraFactor factor;
};

// Longest first where one ends another (".lora.down.weight" before "_lora.down.weight").
constexpr LoraSuffix kLoraSuffixes[] = {
    {".lora_down.weight", LoraFactor::Down},
    {".lora_up.weight", LoraFactor::Up},
    {".lora_A.weight", LoraFactor::Down},
    {".lora_B.weight", LoraFactor::Up},
    {".lora_linear_layer.down.weight", LoraFactor::Down},  // diffusers 0.18-0.2x text encoders
    {".lora_linear_layer.up.weight", LoraFactor::Up},
    {".lora.down.weight", LoraFactor::Down},
    {".lora.up.weight", LoraFactor::Up},
    {"_lora.down.weight", LoraFactor::Down},
    {"_lora.up.weight", LoraFactor::Up},
    {".alpha", LoraFactor::Alpha},
};

// Adapter types that are not W += up @ down, by a piece of their tensor names.
constexpr std::pair<const char*, const char*> kUnmergeable[] = {
    {"hada_", "LoHa"},
    {"lokr_", "LoKr"},
    {"dora_scale", "DoRA"},
    {".lora_mid.", "LoCon with a Tucker core"},
    {"lora_magnitude_vector", "DoRA"},
};

// diffusers' first LoRA format names the attention processor: "...attn1.processor.to_q_lora"
// updates "...attn1.to_q", and "to_out_lora" the first module of to_out. In a text encoder
// ("text_encoder....self_attn.to_q_lora") the same names stand for CLIP's q_proj ... out_proj
// (diffusers' DIFFUSERS_OLD_TO_PEFT).
std::string attention_processor_target(std::string base) {
  const std::string proc = ".processor.";
  const auto at = base.find(proc);
  if (at != std::string::npos) base.erase(at, proc.size() - 1);
  if (starts_with(base, "text_encoder")) {
    for (const auto& [old_name, clip_name] : {std::pair<std::string, std::string>{".to_q", ".q_proj"},
                                              {".to_k", ".k_proj"},
                                              {".to_v", ".v_proj"},
                                              {".to_out", ".out_proj"}})
      if (ends_with(base, old_name)) return base.substr(0, base.size() - old_name.size()) + clip_name;
    return base;
  }
  if (ends_with(base, ".to_out")) base += ".0";
  return base;
}

std::string layout_of(const std::string& key) {
  if (ends_with(key, ".lora_down.weight") || ends_with(key, ".lora_up.weight")) return "kohya";
  if (ends_with(key, "_lora.down.weight") || ends_with(key, "_lora.up.weight")) return "diffusers attention processors";
  return "PEFT / diffusers";
}

// The network a layer name points to: kohya's prefix, a dotted component, else the denoiser.
std::string network_of(const LoraLayer& l) {
  if (l.underscored) {
    for (const auto& [prefix, networks] : kohya_network_prefixes())
      if (starts_with(l.target, prefix)) return networks.front();
    return "unknown";
  }
  for (const auto& c : lora_component_names())
    if (starts_with(l.target, c + ".")) return c;
  return "unet";
}

}  // namespace

const std::vector<std::pair<std::string, std::vector<std::string>>>& kohya_network_prefixes() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> p = {
      {"lora_unet_", {"unet", "transformer"}}, {"lora_transformer_", {"transformer"}}, {"lora_te1_", {"text_encoder"}},
      {"lora_te2_", {"text_encoder_2"}},       {"lora_te3_", {"text_encoder_3"}},      {"lora_te_", {"text_encoder"}},
  };
  return p;
}

const std::vector<std::string>& lora_component_names() {
  static const std::vector<std::string> c = {"unet", "transformer", "text_encoder", "text_encoder_2", "text_encoder_3"};
  return c;
}

LoraFileSummary summarize_lora_file(const SafetensorsFile& file) {
  LoraFileSummary s;
  for (const auto& l : read_lora_layers(file)) {
    const std::string layout = layout_of(l.down_key);
    if (std::find(s.layouts.begin(), s.layouts.end(), layout) == s.layouts.end()) s.layouts.push_back(layout);
    const std::string network = network_of(l);
    ++s.layers[network];
    const auto down = file.shape(l.down_key);
    s.min_rank = s.min_rank == 0 ? down[0] : std::min(s.min_rank, down[0]);
    s.max_rank = std::max(s.max_rank, down[0]);
    if (!l.alpha_key.empty()) ++s.alpha_tensors;
    // A UNet's cross-attention key projection reads the text encoder's width: 768 (CLIP L, SD 1.x),
    // 1024 (OpenCLIP H, SD 2.x), 2048 (both of SDXL's, concatenated).
    const bool cross_k = l.target.find("attn2") != std::string::npos &&
                         (ends_with(l.target, "to_k") || ends_with(l.target, "to_k_lora"));
    if (s.made_for.empty() && cross_k && down.size() >= 2) {
      const int64_t width = down[1];
      s.made_for = width == 768 ? "SD 1.x" : width == 1024 ? "SD 2.x" : width == 2048 ? "SDXL" : "";
      if (!s.made_for.empty()) s.made_for_reason = "its cross-attention reads " + std::to_string(width) + "-wide text";
    }
  }
  if (s.made_for.empty() && s.layers.count("transformer")) {
    s.made_for = "SD3 / SD3.5";
    s.made_for_reason = "it changes an MMDiT (transformer.*)";
  } else if (s.made_for.empty() && s.layers.count("text_encoder_2")) {
    s.made_for = "SDXL";
    s.made_for_reason = "it changes a second text encoder";
  }
  const auto it = file.metadata().find("lora_adapter_metadata");
  s.metadata_alpha = it != file.metadata().end() && it->second.find("lora_alpha") != std::string::npos;
  return s;
}

std::vector<LoraLayer> read_lora_layers(const SafetensorsFile& file) {
  std::map<std::string, LoraLayer> layers;
  for (const auto& key : file.names()) {
    for (const auto& [piece, kind] : kUnmergeable)
      if (key.find(piece) != std::string::npos)
        throw InputError(file.path() + ": '" + printable_excerpt(key) + "' is part of a " + kind +
                         " adapter, which cannot be merged as a LoRA (only lora_down / lora_up factors can)");
    if (ends_with(key, ".diff") || ends_with(key, ".diff_b"))
      throw InputError(file.path() + ": '" + printable_excerpt(key) +
                       "' is a full weight difference, not a LoRA factor");
    const LoraSuffix* match = nullptr;
    for (const auto& s : kLoraSuffixes)
      if (ends_with(key, s.text)) {
        match = &s;
        break;
      }
    if (!match)
      throw InputError(file.path() + ": '" + printable_excerpt(key) +
                       "' is not a LoRA factor (lora_down / lora_up / alpha or lora_A / lora_B): is this a LoRA file?");
    std::string base = key.substr(0, key.size() - std::string(match->text).size());
    if (std::string(match->text)[0] == '_') base = attention_processor_target(base);
    LoraLayer& l = layers[base];
    l.target = base;
    l.underscored = base.find('.') == std::string::npos;
    std::string& slot = match->factor == LoraFactor::Down ? l.down_key
                        : match->factor == LoraFactor::Up ? l.up_key
                                                          : l.alpha_key;
    if (!slot.empty())
      throw InputError(file.path() + ": '" + printable_excerpt(key) + "' and '" + printable_excerpt(slot) +
                       "' are both the same factor of layer '" + printable_excerpt(base) + "'");
    slot = key;
  }
  std::vector<LoraLayer> out;
  for (auto& [base, l] : layers) {
    if (l.down_key.empty() && l.up_key.empty())
      throw InputError(file.path() + ": layer '" + printable_excerpt(base) + "' has only an alpha ('" +
                       printable_excerpt(l.alpha_key) + "'), no factors");
    if (l.down_key.empty() || l.up_key.empty())
      throw InputError(file.path() + ": layer '" + printable_excerpt(base) + "' has " +
                       (l.down_key.empty()
                            ? "an up factor ('" + printable_excerpt(l.up_key) + "') but no down factor"
                            : "a down factor ('" + printable_excerpt(l.down_key) + "') but no up factor"));
    out.push_back(std::move(l));
  }
  if (out.empty()) throw InputError(file.path() + ": the file holds no LoRA layer");
  return out;
}

}  // namespace drf
