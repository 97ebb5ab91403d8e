#include "core/models/sd3/sd3_weights_budget.h"

#include <set>

#include "core/models/loaders/config_json.h"
#include "core/models/loaders/diffusers_components.h"
#include "core/models/loaders/weights_budget.h"
#include "core/models/nn/layers.h"
#include "core/util/errors.h"

namespace drf {
namespace fs = std::filesystem;

int64_t sd3_transformer_parameters(const Sd3TransformerConfig& config) {
  return parameters_on_meta(
      [&](const torch::TensorOptions& o) { return layers::parameter_count(*SD3Transformer2DModel(config, o)); });
}

int64_t t5_encoder_parameters(const T5EncoderConfig& config) {
  return parameters_on_meta(
      [&](const torch::TensorOptions& o) { return layers::parameter_count(*T5EncoderModel(config, o)); });
}

std::vector<std::string> sd3_component_weight_files(const fs::path& dir, const std::string& stem,
                                                    torch::Dtype compute_dtype) {
  std::error_code ec;
  const fs::path index = dir / (stem + ".safetensors.index.json");
  const bool single = fs::is_regular_file(dir / (stem + ".safetensors"), ec) ||
                      fs::is_regular_file(dir / (stem + ".fp16.safetensors"), ec);
  if (single || !fs::is_regular_file(index, ec)) return {find_component_weights(dir, stem, compute_dtype)};
  // The sharded form: every file the index's weight_map names (plain names in this folder; the
  // sharded source checks them again when it opens them).
  const auto j = config_json::read_file(index.string());
  if (!j.contains("weight_map") || !j.at("weight_map").is_object())
    throw InputError(index.string() + ": no \"weight_map\" object");
  std::set<std::string> shards;
  for (const auto& kv : j.at("weight_map").items()) {
    if (!kv.value().is_string()) throw InputError(index.string() + ": weight_map entry '" + kv.key() + "' is not a file name");
    shards.insert(kv.value().get<std::string>());
  }
  std::vector<std::string> out;
  for (const auto& s : shards) out.push_back((dir / fs::path(s).filename()).string());
  return out;
}

void check_sd3_weights_budget(const std::string& what, const Sd3ModelConfig& c, const Sd3BudgetFiles& f) {
  if (!f.transformer.empty())
    check_weights_budget("the SD3 transformer of " + what, sd3_transformer_parameters(c.transformer), f.transformer);
  if (!f.clip_l.empty()) check_weights_budget("the CLIP-L text encoder of " + what, clip_text_parameters(c.text_l), f.clip_l);
  if (!f.clip_g.empty()) check_weights_budget("the CLIP-G text encoder of " + what, clip_text_parameters(c.text_g), f.clip_g);
  if (!f.t5.empty() && c.has_t5) check_weights_budget("the T5 text encoder of " + what, t5_encoder_parameters(c.t5), f.t5);
  if (!f.vae.empty()) check_weights_budget("the VAE of " + what, vae_parameters(c.vae), f.vae);
}

}  // namespace drf
