#include "core/models/sd3/sd3_diffusers_folder.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/io/safetensors_reader.h"
#include "core/io/scheduler_config.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/diffusers_folder.h"
#include "core/models/t5/safetensors_folder.h"
#include "core/models/t5/t5_prompt_tokenizer.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace fs = std::filesystem;
namespace {

nlohmann::json model_index(const fs::path& root) {
  const fs::path index = root / "model_index.json";
  return fs::is_regular_file(index) ? config_json::read_file(index.string()) : nlohmann::json::object();
}

// A component's weights: one (possibly .fp16 variant) file, else the sharded index.
std::shared_ptr<const WeightSource> component_weights(const fs::path& dir, const std::string& stem, torch::Dtype dtype,
                                                      std::string* single_file) {
  std::error_code ec;
  if (fs::is_regular_file(dir / (stem + ".safetensors.index.json"), ec) &&
      !fs::is_regular_file(dir / (stem + ".safetensors"), ec) && !fs::is_regular_file(dir / (stem + ".fp16.safetensors"), ec))
    return open_safetensors_weights(dir.string(), stem);
  const std::string path = find_component_weights(dir, stem, dtype);
  if (single_file) *single_file = path;
  return std::make_shared<SafetensorsWeightSource>(std::make_shared<const SafetensorsFile>(path));
}

}  // namespace

bool is_sd3_diffusers_folder(const std::string& folder) {
  const fs::path root(folder);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return false;
  const auto index = model_index(root);
  if (index.contains("_class_name") && index.at("_class_name").is_string())
    return index.at("_class_name").get<std::string>() == "StableDiffusion3Pipeline";
  return fs::is_directory(root / "transformer", ec) && fs::is_directory(root / "text_encoder_2", ec);
}

std::unique_ptr<Sd3Pipeline> load_sd3_diffusers_folder(const PipelineRequest& request,
                                                       std::optional<PredictionType> prediction) {
  const fs::path root(request.source);
  const std::string where = root.string();
  const auto index = model_index(root);
  const std::string cls = config_json::get_string(index, "_class_name", "", where + "/model_index.json");
  if (!cls.empty() && cls != "StableDiffusion3Pipeline")
    throw InputError(where + "/model_index.json: pipeline class '" + cls +
                     "' is not supported (SD3 text-to-image: StableDiffusion3Pipeline)");
  if (prediction && *prediction != PredictionType::FlowVelocity)
    throw UsageError("SD3 predicts a flow velocity: its prediction type cannot be overridden");
  for (const char* sub : {"transformer", "text_encoder", "text_encoder_2", "vae", "tokenizer", "tokenizer_2"})
    if (!fs::is_directory(root / sub))
      throw InputError(where + " is not a complete SD3 diffusers folder: it has no " + std::string(sub) + "/ subfolder");

  Sd3ModelConfig c;
  c.architecture = "sd3";
  auto read = [&](const fs::path& p) {
    const std::string file = require_component_file(p);
    return std::make_pair(config_json::read_file(file), file);
  };
  {
    auto [j, f] = read(root / "transformer" / "config.json");
    c.transformer = parse_sd3_transformer_config(j, f);
  }
  {
    auto [j, f] = read(root / "text_encoder" / "config.json");
    c.text_l = parse_clip_text_config(j, f);
  }
  {
    auto [j, f] = read(root / "text_encoder_2" / "config.json");
    c.text_g = parse_clip_text_config(j, f);
  }
  c.has_t5 = fs::is_directory(root / "text_encoder_3");
  if (c.has_t5) {
    auto [j, f] = read(root / "text_encoder_3" / "config.json");
    c.t5 = parse_t5_encoder_config(j, f);
    if (!fs::is_directory(root / "tokenizer_3"))
      throw InputError(where + " has text_encoder_3/ but no tokenizer_3/ for it");
  }
  {
    auto [j, f] = read(root / "vae" / "config.json");
    c.vae = parse_vae_config(j, f);
  }
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

  const auto options = torch::TensorOptions().device(request.device).dtype(request.dtype);
  Sd3Modules m = build_sd3_modules(c, options, options);
  WeightLoadOptions o;
  o.component = "transformer";
  std::string transformer_file;
  load_weights(*m.transformer, *component_weights(root / "transformer", "diffusion_pytorch_model", request.dtype,
                                                  &transformer_file),
               request.dtype, request.device, o);
  o.ignorable = [](const std::string& k) { return k == "text_model.embeddings.position_ids"; };
  o.component = "text encoder";
  load_weights(*m.text.clip_l, *component_weights(root / "text_encoder", "model", request.dtype, nullptr),
               request.dtype, request.device, o);
  o.component = "text encoder 2";
  load_weights(*m.text.clip_g, *component_weights(root / "text_encoder_2", "model", request.dtype, nullptr),
               request.dtype, request.device, o);
  if (m.text.t5) {
    load_t5_encoder_weights(m.text.t5, component_weights(root / "text_encoder_3", "model", request.dtype, nullptr),
                            request.dtype, m.text.t5_device);
  }
  o.component = "VAE";
  o.ignorable = {};
  const auto vae_dtype = m.vae->parameters().front().scalar_type();
  load_weights(*m.vae, *with_current_vae_names(component_weights(root / "vae", "diffusion_pytorch_model", vae_dtype,
                                                                 nullptr)),
               vae_dtype, request.device, o);

  Sd3Tokenizers tokenizers;
  const bool own = request.tokenizer_dir.empty();
  tokenizers.clip_l = load_clip_tokenizer_folder(own ? (root / "tokenizer").string() : request.tokenizer_dir,
                                                 "<|endoftext|>");
  tokenizers.clip_g = load_clip_tokenizer_folder(own ? (root / "tokenizer_2").string() : request.tokenizer_dir, "!");
  if (m.text.t5) tokenizers.t5 = load_t5_tokenizer_folder((root / "tokenizer_3").string());

  SdPipelineInfo info;
  info.source = request.source;
  info.name = root.filename().string();
  if (info.name.empty()) info.name = root.parent_path().filename().string();
  info.hash_file = transformer_file;
  if (!c.has_t5) info.notes.push_back("no text_encoder_3: T5 tokens are zeros");
  if (!fs::is_regular_file(sched)) info.notes.push_back("no scheduler_config.json: flow matching with shift 3.0");
  core_log()->info("loaded SD3 diffusers folder {} ({})", where, c.architecture);
  return std::make_unique<Sd3Pipeline>(std::move(c), std::move(m), std::move(tokenizers), std::move(info),
                                       request.device, request.dtype);
}

}  // namespace drf
