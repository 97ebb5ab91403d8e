#include "core/models/sdxl/sdxl_diffusers_folder.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/io/scheduler_config.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/diffusers_components.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/loaders/weights_budget.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace fs = std::filesystem;

bool is_sdxl_diffusers_folder(const std::string& folder) {
  const fs::path root(folder);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return false;
  if (const auto cls = model_index_class_name(root)) return cls->rfind("StableDiffusionXL", 0) == 0;
  return fs::is_directory(root / "text_encoder_2", ec);
}

std::unique_ptr<SdxlPipeline> load_sdxl_diffusers_folder(const PipelineRequest& request,
                                                         std::optional<PredictionType> prediction) {
  const fs::path root(request.source);
  const std::string where = root.string();
  const auto index = read_model_index(root);
  const std::string cls = config_json::get_string(index, "_class_name", "", where + "/model_index.json");
  if (!cls.empty() && cls != "StableDiffusionXLPipeline" && cls != "StableDiffusionXLImg2ImgPipeline")
    throw InputError(where + "/model_index.json: pipeline class '" + cls +
                     "' is not supported (SDXL base and refiner text-to-image only)");
  require_component_folders(root, {"unet", "text_encoder_2", "vae", "tokenizer_2"},
                            "SDXL diffusers folder" +
                                (cls.empty() ? std::string() : " (model_index.json names " + cls + ")"));

  SdxlModelConfig c;
  const std::string unet_config = require_component_file(root / "unet" / "config.json");
  c.unet = parse_unet_config(config_json::read_file(unet_config), unet_config);
  c.has_text_l = fs::is_directory(root / "text_encoder");
  if (c.has_text_l) {
    const std::string p = require_component_file(root / "text_encoder" / "config.json");
    c.text_l = parse_clip_text_config(config_json::read_file(p), p);
  }
  const std::string g_config = require_component_file(root / "text_encoder_2" / "config.json");
  c.text_g = parse_clip_text_config(config_json::read_file(g_config), g_config);
  const std::string vae_config = require_component_file(root / "vae" / "config.json");
  c.vae = parse_vae_config(config_json::read_file(vae_config), vae_config);
  const fs::path sched = root / "scheduler" / "scheduler_config.json";
  if (fs::is_regular_file(sched)) c.schedule = read_scheduler_config(sched.string());
  if (prediction) c.schedule.prediction = *prediction;
  c.requires_aesthetics_score = config_json::get_bool(index, "requires_aesthetics_score", !c.has_text_l, where);
  c.force_zeros_for_empty_prompt = config_json::get_bool(index, "force_zeros_for_empty_prompt", c.has_text_l, where);
  c.architecture = c.has_text_l ? "sdxl" : "sdxl-refiner";
  c.validate(where);

  // Before any module is built: configurations that imply more parameters than their files hold.
  check_weights_budget(unet_config, unet_parameters(c.unet),
                       {find_component_weights(root / "unet", "diffusion_pytorch_model", request.dtype)});
  if (c.has_text_l)
    check_weights_budget((root / "text_encoder" / "config.json").string(), clip_text_parameters(c.text_l),
                         {find_component_weights(root / "text_encoder", "model", request.dtype)});
  check_weights_budget(g_config, clip_text_parameters(c.text_g),
                       {find_component_weights(root / "text_encoder_2", "model", request.dtype)});
  check_weights_budget(vae_config, vae_parameters(c.vae),
                       {find_component_weights(root / "vae", "diffusion_pytorch_model", request.dtype)});
  SdxlModules m = build_sdxl_modules(c, torch::TensorOptions().device(request.device).dtype(request.dtype));
  // A component's weights file (fp16 variant for half-precision compute) as a WeightSource.
  const auto weights_of = [&](const char* sub, const char* stem, torch::Dtype dtype) {
    return open_safetensors_file_weights(find_component_weights(root / sub, stem, dtype));
  };
  WeightLoadOptions o;
  o.component = "UNet";
  const std::string unet_weights = find_component_weights(root / "unet", "diffusion_pytorch_model", request.dtype);
  load_weights(*m.unet, *open_safetensors_file_weights(unet_weights), request.dtype, request.device, o);
  o.ignorable = [](const std::string& k) { return k == "text_model.embeddings.position_ids"; };
  if (m.text_l) {
    o.component = "text encoder";
    load_weights(*m.text_l, *weights_of("text_encoder", "model", request.dtype), request.dtype, request.device, o);
  }
  o.component = "text encoder 2";
  load_weights(*m.text_g, *weights_of("text_encoder_2", "model", request.dtype), request.dtype, request.device, o);
  o.component = "VAE";
  o.ignorable = {};
  const auto vae_dtype = m.vae->parameters().front().scalar_type();
  load_weights(*m.vae, *with_current_vae_names(weights_of("vae", "diffusion_pytorch_model", vae_dtype)), vae_dtype,
               request.device, o);

  SdxlTokenizers tokenizers;
  const bool own = request.tokenizer_dir.empty();
  if (c.has_text_l)
    tokenizers.l = load_clip_tokenizer_folder(own ? (root / "tokenizer").string() : request.tokenizer_dir, c.pad_token_l);
  tokenizers.g = load_clip_tokenizer_folder(own ? (root / "tokenizer_2").string() : request.tokenizer_dir, c.pad_token_g);

  SdPipelineInfo info;
  info.source = request.source;
  info.name = diffusers_folder_name(root);
  info.hash_file = unet_weights;
  if (!fs::is_regular_file(sched)) info.notes.push_back("no scheduler_config.json: SD defaults");
  core_log()->info("loaded SDXL diffusers folder {} ({})", where, c.architecture);
  return std::make_unique<SdxlPipeline>(std::move(c), std::move(m), std::move(tokenizers), std::move(info),
                                        request.device, request.dtype);
}

}  // namespace drf
