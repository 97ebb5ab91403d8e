#include "core/models/sd3/sd3_diffusers_folder.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/io/safetensors_reader.h"
#include "core/io/scheduler_config.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/diffusers_components.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/sd3/sd3_weights_budget.h"
#include "core/models/loaders/safetensors_folder.h"
#include "core/models/t5/t5_prompt_tokenizer.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace fs = std::filesystem;

Sd3FolderPart sd3_folder_part(const fs::path& root, const std::string& sub, torch::Dtype compute_dtype) {
  const fs::path dir = root / sub;
  const std::string stem = sub == "transformer" || sub == "vae" ? "diffusion_pytorch_model" : "model";
  Sd3FolderPart part;
  part.config_file = require_component_file(dir / "config.json");
  part.config = config_json::read_file(part.config_file);
  part.weight_files = sd3_component_weight_files(dir, stem, compute_dtype);
  std::error_code ec;
  const bool sharded = !fs::is_regular_file(dir / (stem + ".safetensors"), ec) &&
                       !fs::is_regular_file(dir / (stem + ".fp16.safetensors"), ec) &&
                       fs::is_regular_file(dir / (stem + ".safetensors.index.json"), ec);
  part.weights = sharded ? open_safetensors_weights(dir.string(), stem)
                         : open_safetensors_file_weights(part.weight_files.front());
  return part;
}

void load_sd3_clip_weights(ClipTextModel& model, const WeightSource& weights, torch::Dtype dtype,
                           const torch::Device& device, const std::string& component) {
  WeightLoadOptions o;
  o.component = component;
  o.ignorable = [](const std::string& k) { return k == "text_model.embeddings.position_ids"; };
  load_weights(*model, weights, dtype, device, o);
}

void load_sd3_vae_weights(AutoencoderKL& vae, std::shared_ptr<const WeightSource> weights, const torch::Device& device) {
  WeightLoadOptions o;
  o.component = "VAE";
  const auto vae_dtype = vae->parameters().front().scalar_type();
  load_weights(*vae, *with_current_vae_names(std::move(weights)), vae_dtype, device, o);
}

Sd3Tokenizers load_sd3_folder_tokenizers(const fs::path& root, const std::string& clip_override, bool with_t5) {
  Sd3Tokenizers t;
  const bool own = clip_override.empty();
  t.clip_l = load_clip_tokenizer_folder(own ? (root / "tokenizer").string() : clip_override, "<|endoftext|>");
  t.clip_g = load_clip_tokenizer_folder(own ? (root / "tokenizer_2").string() : clip_override, "!");
  if (with_t5) t.t5 = load_t5_tokenizer_folder((root / "tokenizer_3").string());
  return t;
}

bool is_sd3_diffusers_folder(const std::string& folder) {
  const fs::path root(folder);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return false;
  if (const auto cls = model_index_class_name(root)) return *cls == "StableDiffusion3Pipeline";
  return fs::is_directory(root / "transformer", ec) && fs::is_directory(root / "text_encoder_2", ec);
}

std::unique_ptr<Sd3Pipeline> load_sd3_diffusers_folder(const PipelineRequest& request,
                                                       std::optional<PredictionType> prediction) {
  const fs::path root(request.source);
  const std::string where = root.string();
  const auto index = read_model_index(root);
  const std::string cls = config_json::get_string(index, "_class_name", "", where + "/model_index.json");
  if (!cls.empty() && cls != "StableDiffusion3Pipeline")
    throw InputError(where + "/model_index.json: pipeline class '" + cls +
                     "' is not supported (SD3 text-to-image: StableDiffusion3Pipeline)");
  if (prediction && *prediction != PredictionType::FlowVelocity)
    throw UsageError("SD3 predicts a flow velocity: its prediction type cannot be overridden");
  require_component_folders(root, {"transformer", "text_encoder", "text_encoder_2", "vae", "tokenizer", "tokenizer_2"},
                            "SD3 diffusers folder");

  const auto t5_options = sd3_t5_tensor_options(request);
  const auto t5_dtype = c10::typeMetaToScalarType(t5_options.dtype());
  Sd3ModelConfig c;
  const Sd3FolderPart transformer = sd3_folder_part(root, "transformer", request.dtype);
  c.transformer = parse_sd3_transformer_config(transformer.config, transformer.config_file);
  const Sd3FolderPart clip_l = sd3_folder_part(root, "text_encoder", request.dtype);
  c.text_l = parse_clip_text_config(clip_l.config, clip_l.config_file);
  const Sd3FolderPart clip_g = sd3_folder_part(root, "text_encoder_2", request.dtype);
  c.text_g = parse_clip_text_config(clip_g.config, clip_g.config_file);
  c.has_t5 = fs::is_directory(root / "text_encoder_3");
  std::optional<Sd3FolderPart> t5;
  if (c.has_t5) {
    t5 = sd3_folder_part(root, "text_encoder_3", t5_dtype);
    c.t5 = parse_t5_encoder_config(t5->config, t5->config_file);
    if (!fs::is_directory(root / "tokenizer_3"))
      throw InputError(where + " has text_encoder_3/ but no tokenizer_3/ for it");
  }
  const Sd3FolderPart vae = sd3_folder_part(root, "vae", torch::kFloat32);
  c.vae = parse_vae_config(vae.config, vae.config_file);
  const fs::path sched = root / "scheduler" / "scheduler_config.json";
  c.schedule = fs::is_regular_file(sched) ? read_scheduler_config(sched.string()) : sd3_schedule_config();
  // A published architecture by its transformer config, else "sd3-custom".
  c.architecture = "sd3-custom";
  for (const char* preset : {"sd3-medium", "sd35-medium", "sd35-large"}) {
    const auto known = preset == std::string("sd3-medium")    ? sd3_transformer_config_sd3_medium()
                       : preset == std::string("sd35-medium") ? sd3_transformer_config_sd35_medium()
                                                              : sd3_transformer_config_sd35_large();
    if (sd3_transformer_config_to_json(known) == sd3_transformer_config_to_json(c.transformer)) c.architecture = preset;
  }
  c.validate(where);
  // Before any module is built: configurations that imply more parameters than their files hold.
  check_sd3_weights_budget(where, c,
                           {transformer.weight_files, clip_l.weight_files, clip_g.weight_files,
                            t5 ? t5->weight_files : std::vector<std::string>{}, vae.weight_files});

  const auto options = torch::TensorOptions().device(request.device).dtype(request.dtype);
  Sd3Modules m = build_sd3_modules(c, options, t5_options);
  WeightLoadOptions o;
  o.component = "transformer";
  load_weights(*m.transformer, *transformer.weights, request.dtype, request.device, o);
  load_sd3_clip_weights(m.text.clip_l, *clip_l.weights, request.dtype, request.device, "text encoder");
  load_sd3_clip_weights(m.text.clip_g, *clip_g.weights, request.dtype, request.device, "text encoder 2");
  if (m.text.t5) load_t5_encoder_weights(m.text.t5, t5->weights, t5_dtype, m.text.t5_device);
  load_sd3_vae_weights(m.vae, vae.weights, request.device);

  Sd3Tokenizers tokenizers = load_sd3_folder_tokenizers(root, request.tokenizer_dir, c.has_t5);
  SdPipelineInfo info;
  info.source = request.source;
  info.name = diffusers_folder_name(root);
  info.hash_file = transformer.weight_files.size() == 1 ? transformer.weight_files.front() : std::string();
  if (!c.has_t5) info.notes.push_back("no text_encoder_3: T5 tokens are zeros");
  if (!fs::is_regular_file(sched)) info.notes.push_back("no scheduler_config.json: flow matching with shift 3.0");
  core_log()->info("loaded SD3 diffusers folder {} ({})", where, c.architecture);
  return std::make_unique<Sd3Pipeline>(std::move(c), std::move(m), std::move(tokenizers), std::move(info),
                                       request.device, request.dtype);
}

}  // namespace drf
