#include "core/models/sdxl/sdxl_single_file.h"

#include <filesystem>

#include "core/io/safetensors_reader.h"
#include "core/models/families/family_list.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/loaders/weights_budget.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace {

const std::string kClipL = "conditioner.embedders.0.transformer.";
std::string big_g_prefix(const SdxlModelConfig& c) {
  return c.has_text_l ? "conditioner.embedders.1.model." : "conditioner.embedders.0.model.";
}

struct Maps {
  std::map<std::string, KeyMapping> unet, text_l, text_g, vae;
};

Maps key_maps(const SdxlModelConfig& c, const SdxlModules& m) {
  Maps maps;
  maps.unet = ldm_unet_key_map(single_file_parameter_names(*m.unet), c.unet);
  if (m.text_l) maps.text_l = ldm_clip_key_map(single_file_parameter_names(*m.text_l), kClipL, false);
  maps.text_g = ldm_open_clip_key_map(single_file_parameter_names(*m.text_g), c.text_g.hidden_size, big_g_prefix(c));
  maps.vae = ldm_vae_key_map(single_file_parameter_names(*m.vae), c.vae);
  return maps;
}

}  // namespace

const ModelFamily* sdxl_single_file_family(const WeightSource& file) {
  // The registry asks the same keys of every family (core/models/model_families.h);
  // here only SDXL's two descriptors, in the registry's order: base, then refiner. The families
  // before them (SD3) have single-file keys no SDXL file holds.
  static const ModelFamily base = sdxl_family(), refiner = sdxl_refiner_family();
  const auto has_key = [&](const std::string& k) { return file.contains(k); };
  for (const ModelFamily* f : {&base, &refiner})
    if (has_single_file_keys(*f, has_key)) return f;
  return nullptr;
}

SdxlModules load_sdxl_single_file_modules(const SdxlModelConfig& c, std::shared_ptr<const WeightSource> file,
                                          const torch::TensorOptions& options) {
  SdxlModules m = build_sdxl_modules(c, options);
  const Maps maps = key_maps(c, m);
  const auto& f = *file;
  const std::string g = big_g_prefix(c);
  check_single_file_keys(f, kLdmUnetPrefix, maps.unet, {}, "UNet");
  check_single_file_keys(f, kLdmVaePrefix, maps.vae,
                         [](const std::string& k) { return k.rfind(std::string(kLdmVaePrefix) + "loss.", 0) == 0; },
                         "VAE");
  if (m.text_l)
    check_single_file_keys(f, kClipL, maps.text_l,
                           [](const std::string& k) { return k.find("embeddings.position_ids") != std::string::npos; },
                           "text encoder");
  check_single_file_keys(f, g, maps.text_g,
                         [g](const std::string& k) {
                           const std::string rest = k.substr(g.size());
                           return rest == "logit_scale" || rest == "attn_mask";
                         },
                         "text encoder 2");
  const auto dtype = c10::typeMetaToScalarType(options.dtype());
  const auto device = options.device();
  auto load = [&](torch::nn::Module& module, const std::map<std::string, KeyMapping>& map, torch::Dtype d,
                  const char* component) {
    MappedWeightSource mapped(file, map);
    WeightLoadOptions o;
    o.component = component;
    o.reject_unexpected = false;  // checked above, in the file's own key space
    load_weights(module, mapped, d, device, o);
  };
  load(*m.unet, maps.unet, dtype, "UNet");
  if (m.text_l) load(*m.text_l, maps.text_l, dtype, "text encoder");
  load(*m.text_g, maps.text_g, dtype, "text encoder 2");
  load(*m.vae, maps.vae, m.vae->parameters().front().scalar_type(), "VAE");
  return m;
}

std::map<std::string, torch::Tensor> sdxl_single_file_state(const SdxlModelConfig& c, const SdxlModules& m) {
  const Maps maps = key_maps(c, m);
  std::map<std::string, torch::Tensor> out;
  auto add = [&](const torch::nn::Module& module, const std::map<std::string, KeyMapping>& map) {
    for (auto& [k, v] : to_ldm_names(module_state(module), map)) out[k] = v;
  };
  add(*m.unet, maps.unet);
  if (m.text_l) add(*m.text_l, maps.text_l);
  add(*m.text_g, maps.text_g);
  add(*m.vae, maps.vae);
  return out;
}

std::unique_ptr<SdxlPipeline> load_sdxl_single_file(const PipelineRequest& request,
                                                    std::optional<PredictionType> prediction) {
  const std::string& path = request.source;
  auto st = std::make_shared<const SafetensorsFile>(path);
  auto file = std::make_shared<const SafetensorsWeightSource>(st);
  const ModelFamily* family = sdxl_single_file_family(*file);
  if (!family) throw InputError(path + " is not an SDXL checkpoint");
  if (request.tokenizer_dir.empty())
    throw InputError(path + " is a single-file checkpoint, which carries no tokenizer: pass a tokenizer folder "
                     "(vocab.json + merges.txt, e.g. the tokenizer/ folder of stabilityai/stable-diffusion-xl-base-1.0) "
                     "with --tokenizer");
  SdxlModelConfig config = sdxl_preset(family->id == "sdxl" ? "sdxl" : "sdxl-refiner");
  if (prediction) config.schedule.prediction = *prediction;
  // Before any module is built: a small file whose key names pass for a checkpoint.
  check_weights_budget("the " + family->display_name + " architecture detected in " + path,
                       unet_parameters(config.unet) + (config.has_text_l ? clip_text_parameters(config.text_l) : 0) +
                           clip_text_parameters(config.text_g) + vae_parameters(config.vae),
                       {path});
  SdxlTokenizers tokenizers;
  if (config.has_text_l) tokenizers.l = load_clip_tokenizer_folder(request.tokenizer_dir, config.pad_token_l);
  tokenizers.g = load_clip_tokenizer_folder(request.tokenizer_dir, config.pad_token_g);
  SdxlModules modules =
      load_sdxl_single_file_modules(config, file, torch::TensorOptions().device(request.device).dtype(request.dtype));
  SdPipelineInfo info;
  info.source = path;
  info.name = std::filesystem::path(path).stem().string() + " (" + family->display_name + ")";
  info.hash_file = path;
  core_log()->info("loaded {}: {}", path, family->id);
  return std::make_unique<SdxlPipeline>(std::move(config), std::move(modules), std::move(tokenizers), std::move(info),
                                        request.device, request.dtype);
}

}  // namespace drf
