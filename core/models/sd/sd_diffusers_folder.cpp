#include "core/models/sd/sd_diffusers_folder.h"

#include <filesystem>

#include "core/io/safetensors_reader.h"
#include "core/models/loaders/weights_budget.h"
#include "core/io/scheduler_config.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/diffusers_components.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace fs = std::filesystem;
namespace {

std::string architecture_of(const SdModelConfig& c) {
  const bool sd_unet = c.unet.block_out_channels == std::vector<int64_t>{320, 640, 1280, 1280};
  if (sd_unet && c.unet.cross_attention_dim == 768) return "sd15";
  if (sd_unet && c.unet.cross_attention_dim == 1024) return "sd21";
  return "sd-custom";
}

}  // namespace

DiffusersFolderFiles locate_diffusers_files(const std::string& folder, torch::Dtype dtype) {
  const fs::path root(folder);
  if (!fs::is_directory(root)) throw InputError("model folder '" + folder + "' does not exist");
  for (const char* sub : {"unet", "text_encoder", "vae", "tokenizer"})
    if (!fs::is_directory(root / sub))
      throw InputError(folder + " is not a Stable Diffusion diffusers folder: it has no " + sub + "/ subfolder");
  DiffusersFolderFiles f;
  f.unet_config = require_component_file(root / "unet" / "config.json");
  f.unet_weights = find_component_weights(root / "unet", "diffusion_pytorch_model", dtype);
  f.text_config = require_component_file(root / "text_encoder" / "config.json");
  f.text_weights = find_component_weights(root / "text_encoder", "model", dtype);
  f.vae_config = require_component_file(root / "vae" / "config.json");
  f.vae_weights = find_component_weights(root / "vae", "diffusion_pytorch_model", dtype);
  f.tokenizer_dir = (root / "tokenizer").string();
  const fs::path sched = root / "scheduler" / "scheduler_config.json";
  if (fs::is_regular_file(sched)) f.scheduler_config = sched.string();
  return f;
}

SdModelConfig read_diffusers_config(const std::string& folder, const DiffusersFolderFiles& files) {
  const std::string index = (fs::path(folder) / "model_index.json").string();
  const std::string cls = config_json::get_string(read_model_index(folder), "_class_name", "", index);
  if (!cls.empty() && (cls.rfind("StableDiffusion", 0) != 0 || cls.find("XL") != std::string::npos ||
                       cls.find('3') != std::string::npos || cls.find("Upscale") != std::string::npos))
    throw InputError(index + ": pipeline class '" + cls + "' is not supported (Stable Diffusion 1.x/2.x only)");
  SdModelConfig c;
  c.unet = parse_unet_config(config_json::read_file(files.unet_config), files.unet_config);
  c.text = parse_clip_text_config(config_json::read_file(files.text_config), files.text_config);
  c.vae = parse_vae_config(config_json::read_file(files.vae_config), files.vae_config);
  if (!files.scheduler_config.empty()) c.schedule = read_scheduler_config(files.scheduler_config);
  c.architecture = architecture_of(c);
  c.default_pad_token = c.text.hidden_act == "gelu" ? "!" : "<|endoftext|>";  // OpenCLIP pads with "!"
  return c;
}

std::unique_ptr<StableDiffusionPipeline> load_diffusers_folder(const PipelineRequest& request,
                                                               std::optional<PredictionType> prediction) {
  const std::string& folder = request.source;
  const DiffusersFolderFiles files = locate_diffusers_files(folder, request.dtype);
  SdModelConfig config = read_diffusers_config(folder, files);
  if (prediction) config.schedule.prediction = *prediction;
  auto tokenizer = load_clip_tokenizer_folder(request.tokenizer_dir.empty() ? files.tokenizer_dir : request.tokenizer_dir,
                                              config.default_pad_token);
  // Before any module is built: configurations that imply more parameters than their files hold.
  check_weights_budget(files.unet_config, unet_parameters(config.unet), {files.unet_weights});
  check_weights_budget(files.text_config, clip_text_parameters(config.text), {files.text_weights});
  check_weights_budget(files.vae_config, vae_parameters(config.vae), {files.vae_weights});
  SdModules m = build_sd_modules(config, torch::TensorOptions().device(request.device).dtype(request.dtype));
  WeightLoadOptions o;
  o.component = "UNet";
  load_weights(*m.unet, *open_safetensors_file_weights(files.unet_weights), request.dtype, request.device, o);
  o.component = "text encoder";
  o.ignorable = [](const std::string& k) {
    return k == "text_model.embeddings.position_ids" || k.rfind("text_projection.", 0) == 0;
  };
  load_weights(*m.text_encoder, *open_safetensors_file_weights(files.text_weights), request.dtype, request.device, o);
  o.component = "VAE";
  o.ignorable = {};
  load_weights(*m.vae, *with_current_vae_names(open_safetensors_file_weights(files.vae_weights)), request.dtype,
               request.device, o);

  SdPipelineInfo info;
  info.source = folder;
  info.name = diffusers_folder_name(folder);
  info.hash_file = files.unet_weights;
  if (files.scheduler_config.empty()) info.notes.push_back("no scheduler_config.json: SD defaults");
  core_log()->info("loaded diffusers folder {} ({}, prediction {})", folder, config.architecture,
                   prediction_type_name(config.schedule.prediction));
  return std::make_unique<StableDiffusionPipeline>(std::move(config), std::move(m), std::move(tokenizer), std::move(info),
                                                   request.device, request.dtype);
}

}  // namespace drf
