#include "core/models/sd/sd_single_file.h"

#include <filesystem>
#include <functional>
#include <regex>
#include <set>

#include "core/io/safetensors_reader.h"
#include "core/models/loaders/weights_budget.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/string_util.h"

namespace drf {
namespace {

bool has_prefix(const WeightSource& file, const std::string& prefix) {
  for (const auto& n : file.names())
    if (starts_with(n, prefix)) return true;
  return false;
}

PredictionType parse_modelspec_prediction(const std::string& v, const std::string& where) {
  if (v == "v" || v == "v_prediction" || v == "v-prediction") return PredictionType::VPrediction;
  if (v == "epsilon" || v == "eps") return PredictionType::Epsilon;
  throw InputError(where + ": metadata modelspec.prediction_type '" + v + "' is not supported (epsilon or v)");
}

}  // namespace

SingleFileDetection detect_single_file(const WeightSource& file, const std::map<std::string, std::string>& metadata) {
  const std::string where = file.describe();
  const std::string unet = kLdmUnetPrefix;
  if (has_prefix(file, "conditioner.embedders.") || file.contains(unet + "label_emb.0.0.weight"))
    throw InputError(where + " has SDXL-style (or unCLIP) tensors but not the keys of an SDXL base or refiner checkpoint "
                     "(conditioner.embedders.*.transformer / .model token embeddings): not a supported model");
  if (!file.contains(unet + "input_blocks.0.0.weight")) {
    bool lora = has_prefix(file, "lora_") || has_prefix(file, "lora.");
    for (const auto& n : file.names())
      lora = lora || n.find(".lora_down.") != std::string::npos || n.find(".lora_A.") != std::string::npos;
    throw InputError(where + " holds no Stable Diffusion UNet (no tensor 'model.diffusion_model.input_blocks.0.0.weight')" +
                     std::string(lora ? ": it looks like a LoRA, which is not a full model: choose the model it was "
                                        "made for and add the LoRA to it (--lora, or the GUI's LoRA field)"
                                      : ": is it a VAE, LoRA or embedding file, or a diffusers-format file?"));
  }
  const auto conv_in = file.shape(unet + "input_blocks.0.0.weight");
  if (conv_in.size() != 4 || conv_in[1] != 4)
    throw InputError(where + ": the UNet takes " + (conv_in.size() == 4 ? std::to_string(conv_in[1]) : std::string("?")) +
                     " input channels (an inpainting or depth model?); only 4-channel text-to-image models are supported");
  const std::string k_key = unet + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
  if (!file.contains(k_key)) throw InputError(where + ": tensor '" + k_key + "' is missing; not an SD 1.x/2.x UNet");
  const auto k_shape = file.shape(k_key);
  SingleFileDetection d;
  if (k_shape.size() == 2 && k_shape[1] == 768) {
    d.family = "sd1";
    d.prediction = PredictionType::Epsilon;
    d.prediction_reason = "SD 1.x models predict epsilon";
    const bool modern = file.contains(std::string(kLdmClipPrefix) + "text_model.embeddings.token_embedding.weight");
    const bool legacy = file.contains(std::string(kLdmClipPrefix) + "embeddings.token_embedding.weight");
    if (!modern && !legacy)
      throw InputError(where + ": SD 1.x checkpoint without its CLIP text encoder (no cond_stage_model.transformer.* tensors)");
    d.sd1_legacy_clip_names = !modern;
  } else if (k_shape.size() == 2 && k_shape[1] == 1024) {
    d.family = "sd2";
    if (!file.contains(std::string(kLdmOpenClipPrefix) + "token_embedding.weight"))
      throw InputError(where + ": SD 2.x checkpoint without its OpenCLIP text encoder (no cond_stage_model.model.* tensors)");
    auto spec = metadata.find("modelspec.prediction_type");
    const std::string probe = unet + "output_blocks.11.1.transformer_blocks.0.norm1.bias";
    if (spec != metadata.end()) {
      d.prediction = parse_modelspec_prediction(spec->second, where);
      d.prediction_reason = "from the file's modelspec.prediction_type metadata";
    } else if (file.contains("v_pred")) {
      d.prediction = PredictionType::VPrediction;
      d.prediction_reason = "the file carries a v_pred marker";
    } else if (file.contains(probe)) {
      const auto w = file.load(probe, torch::kFloat64, torch::kCPU);
      const double spread = (w - w.mean()).pow(2).mean().sqrt().item<double>();  // population std
      d.prediction = spread > 0.09 ? PredictionType::VPrediction : PredictionType::Epsilon;
      d.prediction_reason = "detected from weight statistics (std " + std::to_string(spread).substr(0, 6) +
                            (spread > 0.09 ? " > 0.09: SD 2.x 768-v" : " <= 0.09: SD 2.x base") + "; override if wrong";
    } else {
      d.prediction = PredictionType::VPrediction;
      d.prediction_reason = "assumed (no statistic available); override if wrong";
    }
  } else {
    throw InputError(where + ": tensor '" + k_key + "' has an unexpected shape; the cross-attention context must be 768 "
                     "(SD 1.x) or 1024 (SD 2.x) wide");
  }
  if (!has_prefix(file, kLdmVaePrefix))
    throw InputError(where + ": the checkpoint has no VAE (first_stage_model.* tensors); a VAE-less file cannot decode images");
  return d;
}

SdModelConfig single_file_config(const SingleFileDetection& d) {
  SdModelConfig c = sd_preset(d.family == "sd1" ? "sd15" : "sd21");
  c.schedule.prediction = d.prediction;
  if (d.family == "sd2" && d.prediction == PredictionType::Epsilon) {
    c.unet.sample_size = 64;  // SD 2.x base: 512 px
    c.vae.sample_size = 512;
  }
  return c;
}

SdModules load_single_file_modules(const SdModelConfig& config, const SingleFileDetection& d,
                                   std::shared_ptr<const WeightSource> file, const torch::TensorOptions& options) {
  SdModules m = build_sd_modules(config, options);
  const auto unet_map = ldm_unet_key_map(single_file_parameter_names(*m.unet), config.unet);
  const auto vae_map = ldm_vae_key_map(single_file_parameter_names(*m.vae), config.vae);
  std::map<std::string, KeyMapping> text_map;
  std::string text_prefix;
  std::function<bool(const std::string&)> text_ignorable;
  if (d.family == "sd1") {
    text_prefix = kLdmClipPrefix;
    text_map = ldm_clip_key_map(single_file_parameter_names(*m.text_encoder), text_prefix, d.sd1_legacy_clip_names);
    text_ignorable = [](const std::string& k) { return k.find("embeddings.position_ids") != std::string::npos; };
  } else {
    text_prefix = kLdmOpenClipPrefix;
    text_map = ldm_open_clip_key_map(single_file_parameter_names(*m.text_encoder), config.text.hidden_size);
    const int64_t layers = config.text.num_hidden_layers;
    text_ignorable = [text_prefix, layers](const std::string& k) {
      static const std::regex block_re(R"(^cond_stage_model\.model\.transformer\.resblocks\.(\d+)\.)");
      std::smatch sm;
      // diffusers drops OpenCLIP's last layer: SD 2.x conditions on the penultimate one.
      if (std::regex_search(k, sm, block_re)) return std::stoll(sm[1]) >= layers;
      const std::string rest = k.substr(text_prefix.size());
      return rest == "text_projection" || rest == "logit_scale" || rest == "attn_mask";
    };
  }
  const auto& f = *file;
  check_single_file_keys(f, kLdmUnetPrefix, unet_map, {}, "UNet");
  check_single_file_keys(f, kLdmVaePrefix, vae_map,
                      [](const std::string& k) { return starts_with(k, std::string(kLdmVaePrefix) + "loss."); }, "VAE");
  check_single_file_keys(f, text_prefix, text_map, text_ignorable, "text encoder");

  const auto dtype = c10::typeMetaToScalarType(options.dtype());
  const auto device = options.device();
  auto load = [&](torch::nn::Module& module, std::map<std::string, KeyMapping> map, const char* component) {
    MappedWeightSource mapped(file, std::move(map));
    WeightLoadOptions o;
    o.component = component;
    o.reject_unexpected = false;  // checked above, in the file's own key space
    load_weights(module, mapped, dtype, device, o);
  };
  load(*m.unet, unet_map, "UNet");
  load(*m.text_encoder, text_map, "text encoder");
  load(*m.vae, vae_map, "VAE");
  return m;
}

std::unique_ptr<StableDiffusionPipeline> load_single_file_checkpoint(const PipelineRequest& request,
                                                                     const SingleFileOptions& options) {
  const std::string& path = request.source;
  auto st = std::make_shared<const SafetensorsFile>(path);
  auto file = std::make_shared<const SafetensorsWeightSource>(st);
  SingleFileDetection d = detect_single_file(*file, st->metadata());
  if (options.prediction) {
    d.prediction = *options.prediction;
    d.prediction_reason = "set by the user";
  }
  if (request.tokenizer_dir.empty())
    throw InputError(path + " is a single-file checkpoint, which carries no tokenizer: pass a tokenizer folder "
                     "(vocab.json + merges.txt, e.g. the tokenizer/ folder of " +
                     std::string(d.family == "sd1" ? "runwayml/stable-diffusion-v1-5" : "stabilityai/stable-diffusion-2-1") +
                     ") with --tokenizer");
  SdModelConfig config = single_file_config(d);
  // Before any module is built: a small file whose key names pass for a checkpoint.
  check_weights_budget("the " + d.family + " architecture detected in " + path,
                       unet_parameters(config.unet) + clip_text_parameters(config.text) + vae_parameters(config.vae), {path});
  auto tokenizer = load_clip_tokenizer_folder(request.tokenizer_dir, config.default_pad_token);
  SdModules modules = load_single_file_modules(config, d, file, torch::TensorOptions().device(request.device).dtype(request.dtype));
  SdPipelineInfo info;
  info.source = path;
  info.name = std::filesystem::path(path).stem().string() + (d.family == "sd1" ? " (SD 1.x)" : " (SD 2.x)");
  info.hash_file = path;
  info.notes.push_back(std::string("prediction ") + prediction_type_name(d.prediction) + ": " + d.prediction_reason);
  core_log()->info("loaded {}: {}, prediction {} ({})", path, d.family, prediction_type_name(d.prediction),
                   d.prediction_reason);
  return std::make_unique<StableDiffusionPipeline>(std::move(config), std::move(modules), std::move(tokenizer),
                                                   std::move(info), request.device, request.dtype);
}

}  // namespace drf
