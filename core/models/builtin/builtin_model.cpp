#include "core/models/builtin/builtin_model.h"

#include <mutex>

#include "core/io/atomic_file.h"
#include "core/io/safetensors_reader.h"
#include "core/io/scheduler_config.h"
#include "core/io/sha256.h"
#include "core/models/unet/unet_memory.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/lora_merge.h"
#include "core/models/unet/denoiser_replicas.h"
#include "core/models/clip/prompt_encoding.h"
#include "core/models/clip/prompt_tokenizer.h"
#include "core/models/loaders/weights_budget.h"
#include "core/models/unet/unet_denoiser.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/resource_paths.h"

namespace drf {
namespace fs = std::filesystem;

BuiltinModelConfig builtin_model_architecture(int64_t vocab_size) {
  BuiltinModelConfig c;
  UNetConfig& u = c.unet;
  u.sample_size = 64;
  u.in_channels = u.out_channels = 3;
  // Full-resolution levels are plain convolutions (cheap on a 2-core CPU); attention only where
  // the grid is small (16x16, 8x8 and the mid block), which is where the prompt decides the layout.
  u.down_block_types = {"DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
  u.up_block_types = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"};
  u.block_out_channels = {32, 64, 128, 160};
  u.layers_per_block = {2, 2, 2, 2};
  u.attention_heads = {1, 2, 4, 5};  // head width 32 everywhere
  u.transformer_layers_per_block = {1, 1, 1, 1};
  u.norm_num_groups = 16;
  u.cross_attention_dim = 256;

  ClipTextConfig& t = c.text;
  t.vocab_size = vocab_size;
  t.hidden_size = 256;
  t.intermediate_size = 1024;
  t.num_hidden_layers = 4;
  t.num_attention_heads = 4;
  t.max_position_embeddings = 77;
  t.hidden_act = "gelu";

  ScheduleConfig& s = c.schedule;
  s.num_train_timesteps = 1000;
  s.beta_schedule = BetaSchedule::SquaredCosCapV2;  // pixel space at 64 px: the cosine schedule
  s.beta_start = 0.0001;                            // (unused by the cosine schedule, kept valid)
  s.beta_end = 0.02;
  s.spacing = TimestepSpacing::Trailing;  // the first step starts from pure noise
  s.steps_offset = 0;
  s.set_alpha_to_one = true;
  s.prediction = PredictionType::VPrediction;
  return c;
}

namespace {

const char* beta_schedule_name(BetaSchedule b) {
  switch (b) {
    case BetaSchedule::Linear: return "linear";
    case BetaSchedule::ScaledLinear: return "scaled_linear";
    case BetaSchedule::SquaredCosCapV2: return "squaredcos_cap_v2";
  }
  return "linear";
}

const char* spacing_name(TimestepSpacing s) {
  switch (s) {
    case TimestepSpacing::Leading: return "leading";
    case TimestepSpacing::Trailing: return "trailing";
    case TimestepSpacing::Linspace: return "linspace";
  }
  return "leading";
}

void write_json(const fs::path& path, const nlohmann::json& j) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw IoError("cannot create folder " + path.parent_path().string() + ": " + ec.message());
  const std::string text = j.dump(2) + "\n";
  AtomicFileWriter w(path.string());
  w.write(text.data(), text.size());
  w.commit();
}

fs::path required_file(const fs::path& dir, const char* relative) {
  const fs::path p = dir / relative;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw InputError("built-in model folder " + dir.string() + " lacks " + relative);
  return p;
}

torch::Tensor to_picture(const torch::Tensor& states) {
  return ((states.to(torch::kCPU, torch::kFloat32) + 1) * 0.5).clamp(0, 1);
}

class BuiltinPipeline : public Pipeline {
 public:
  BuiltinPipeline(BuiltinModelConfig config, BuiltinModules modules, std::shared_ptr<const PromptTokenizer> tokenizer,
                  fs::path dir, std::string source, torch::Device device, torch::Dtype dtype)
      : config_(std::move(config)),
        modules_(std::move(modules)),
        tokenizer_(std::move(tokenizer)),
        dir_(std::move(dir)),
        source_(std::move(source)),
        device_(device),
        dtype_(dtype) {
    modules_.unet->eval();
    modules_.text_encoder->eval();
    denoiser_ = std::make_shared<UNetDenoiser>(modules_.unet, config_.schedule.prediction, dtype_);
  }

  ModelSummary summary() const override {
    ModelSummary s;
    s.name = config_.schedule.consistency_distilled ? "Built-in emoji model, LCM-distilled (64x64, pixel space)"
                                                    : "Built-in emoji model (64x64, pixel space)";
    for (const auto& l : loras_) s.name += (&l == &loras_.front() ? " with " : ", ") + l;
    s.source = source_;  // consistency_distilled: Engine::describe_model sets it from the schedule, for every family
    s.architecture = "emoji-pixel";
    s.prediction_type = prediction_type_name(config_.schedule.prediction);
    s.native_width = s.native_height = config_.image_size();
    s.pixel_space = true;
    s.parameter_counts = {{"unet", layers::parameter_count(*modules_.unet)},
                          {"text_encoder", layers::parameter_count(*modules_.text_encoder)}};
    return s;
  }

  ScheduleConfig schedule_config() const override { return config_.schedule; }

  // Same names as SD 1.x's networks (unet, text_encoder), so kohya and diffusers files both fit.
  std::string apply_lora(const std::string& path, double strength) override {
    const LoraMergeReport report = merge_lora_file(
        path, strength, {{"unet", modules_.unet.get(), {}}, {"text_encoder", modules_.text_encoder.get(), {}}});
    loras_.push_back(lora_note(path, strength));
    return report.summary();
  }

  std::vector<int64_t> state_shape(int width, int height) const override {
    const int native = config_.image_size();
    const int64_t multiple = int64_t{1} << (config_.unet.blocks() - 1);
    const int64_t w = width > 0 ? width : native, h = height > 0 ? height : native;
    for (int64_t v : {w, h}) {
      if (v % multiple != 0 || v < multiple * 2 || v > 512)
        throw UsageError("image size " + std::to_string(w) + "x" + std::to_string(h) +
                         " is not possible with the built-in model: width and height must be multiples of " +
                         std::to_string(multiple) + " between " + std::to_string(multiple * 2) +
                         " and 512 (it was trained at " + std::to_string(native) + "x" + std::to_string(native) + ")");
    }
    return {1, config_.unet.in_channels, h, w};
  }

  Conditioning encode(const std::string& prompt, const std::string& negative, double guidance, int clip_skip,
                      std::vector<std::string>& warnings) override {
    return encode_prompt_pair(*tokenizer_, modules_.text_encoder, config_.context_length(), device_, prompt, negative,
                              guidance, clip_skip, warnings);
  }

  torch::Tensor decode(const torch::Tensor& state) override { return to_picture(state)[0]; }
  torch::Tensor preview(const torch::Tensor& states) override { return to_picture(states); }
  Denoiser& denoiser() override { return *denoiser_; }

  std::shared_ptr<Denoiser> replicate_denoiser(const torch::Device& device) override {
    if (device == device_) return denoiser_;
    return replicas_.get(device, [&] {
      return replicate_unet_denoiser(modules_.unet, config_.unet, config_.schedule.prediction, dtype_, device);
    });
  }

  torch::Device device() const override { return device_; }
  torch::Dtype dtype() const override { return dtype_; }

  // The same UNet cost as SD's (the job memory check and the draft budget read it): at 512 px
  // the attention levels are 128x128 and 64x64 tokens.
  int64_t activation_bytes_per_row(const std::vector<int64_t>& state_shape) const override {
    if (state_shape.size() != 4) return 0;
    return unet_peak_bytes_per_row(config_.unet, state_shape[2], state_shape[3],
                                   static_cast<int64_t>(torch::elementSize(dtype_)));
  }

  std::string model_hash(const std::function<void()>& while_waiting = {}) const override {
    return hash_.get(while_waiting);
  }

 private:
  BuiltinModelConfig config_;
  BuiltinModules modules_;
  std::shared_ptr<const PromptTokenizer> tokenizer_;
  fs::path dir_;
  std::string source_;  // "builtin", or the folder it was loaded from
  std::vector<std::string> loras_;  // "LoRA file.safetensors", in the name
  torch::Device device_;
  torch::Dtype dtype_;
  std::shared_ptr<UNetDenoiser> denoiser_;
  DenoiserReplicas replicas_;
  LazyModelHash hash_{(dir_ / builtin_files::kUnetWeights).string()};  // after dir_: declaration order
};

}  // namespace

BuiltinModelConfig read_builtin_model_config(const fs::path& dir) {
  BuiltinModelConfig c;
  const std::string unet_path = required_file(dir, builtin_files::kUnetConfig).string();
  const std::string text_path = required_file(dir, builtin_files::kTextConfig).string();
  c.unet = parse_unet_config(config_json::read_file(unet_path), unet_path);
  c.text = parse_clip_text_config(config_json::read_file(text_path), text_path);
  c.schedule = read_scheduler_config(required_file(dir, builtin_files::kSchedulerConfig).string());
  if (c.unet.in_channels != 3 || c.unet.out_channels != 3)
    throw InputError(unet_path + ": the built-in model is pixel-space RGB (in/out_channels 3), found " +
                     std::to_string(c.unet.in_channels) + "/" + std::to_string(c.unet.out_channels));
  if (c.unet.cross_attention_dim != c.text.hidden_size)
    throw InputError(unet_path + ": cross_attention_dim " + std::to_string(c.unet.cross_attention_dim) +
                     " differs from the text encoder's hidden_size " + std::to_string(c.text.hidden_size) + " in " +
                     text_path);
  return c;
}

void write_builtin_model_config(const fs::path& dir, const BuiltinModelConfig& c) {
  write_json(dir / builtin_files::kUnetConfig, unet_config_to_json(c.unet));
  write_json(dir / builtin_files::kTextConfig, clip_text_config_to_json(c.text));
  const ScheduleConfig& s = c.schedule;
  nlohmann::json j;
  j["_class_name"] = s.consistency_distilled ? "LCMScheduler" : "DDIMScheduler";
  j["num_train_timesteps"] = s.num_train_timesteps;
  j["beta_start"] = s.beta_start;
  j["beta_end"] = s.beta_end;
  j["beta_schedule"] = beta_schedule_name(s.beta_schedule);
  j["timestep_spacing"] = spacing_name(s.spacing);
  j["steps_offset"] = s.steps_offset;
  j["set_alpha_to_one"] = s.set_alpha_to_one;
  j["prediction_type"] = prediction_type_name(s.prediction);
  j["clip_sample"] = false;
  write_json(dir / builtin_files::kSchedulerConfig, j);
}

BuiltinModules build_builtin_modules(const BuiltinModelConfig& config, const torch::TensorOptions& options) {
  BuiltinModules m;
  m.unet = UNet2DConditionModel(config.unet, options);
  m.text_encoder = ClipTextModel(config.text, options);
  return m;
}

void load_builtin_weights(BuiltinModules& modules, const fs::path& dir, torch::Dtype dtype, const torch::Device& device) {
  auto open = [&](const char* relative) {
    return SafetensorsWeightSource(std::make_shared<const SafetensorsFile>(required_file(dir, relative).string()));
  };
  WeightLoadOptions o;
  o.component = "built-in UNet";
  load_weights(*modules.unet, open(builtin_files::kUnetWeights), dtype, device, o);
  o.component = "built-in text encoder";
  load_weights(*modules.text_encoder, open(builtin_files::kTextWeights), dtype, device, o);
}

std::unique_ptr<Pipeline> load_builtin_pipeline_from(const fs::path& dir, const PipelineRequest& request) {
  BuiltinModelConfig config = read_builtin_model_config(dir);
  auto tokenizer = load_clip_tokenizer_folder((dir / builtin_files::kTokenizerDir).string(), "<|endoftext|>");
  if (tokenizer->vocab_size() > config.text.vocab_size)
    throw InputError(tokenizer->describe() + " uses ids up to " + std::to_string(tokenizer->vocab_size() - 1) +
                     " but the built-in text encoder has " + std::to_string(config.text.vocab_size) + " embeddings");
  // Before any module is built: configurations that imply more parameters than their files hold.
  check_weights_budget((dir / builtin_files::kUnetConfig).string(), unet_parameters(config.unet),
                       {(dir / builtin_files::kUnetWeights).string()});
  check_weights_budget((dir / builtin_files::kTextConfig).string(), clip_text_parameters(config.text),
                       {(dir / builtin_files::kTextWeights).string()});
  BuiltinModules modules =
      build_builtin_modules(config, torch::TensorOptions().device(request.device).dtype(request.dtype));
  load_builtin_weights(modules, dir, request.dtype, request.device);
  core_log()->info("loaded the built-in model from {}", dir.string());
  return std::make_unique<BuiltinPipeline>(std::move(config), std::move(modules), std::move(tokenizer), dir,
                                           request.source, request.device, request.dtype);
}

std::unique_ptr<Pipeline> load_builtin_pipeline(const PipelineRequest& request) {
  return load_builtin_pipeline_from(resource_path(builtin_files::kResourceSubdir), request);
}

bool is_builtin_model_folder(const fs::path& dir) {
  std::error_code ec;
  for (const char* absent : {"model_index.json", "vae"})
    if (fs::exists(dir / absent, ec)) return false;
  for (const char* file : {builtin_files::kUnetConfig, builtin_files::kTextConfig})
    if (!fs::is_regular_file(dir / file, ec)) return false;
  if (!fs::is_directory(dir / builtin_files::kTokenizerDir, ec)) return false;
  try {
    const auto j = config_json::read_file((dir / builtin_files::kUnetConfig).string());
    return j.is_object() && j.value("in_channels", 0) == 3 && j.value("out_channels", 0) == 3;
  } catch (const std::exception&) {
    return false;  // not ours to judge: the loader that takes the folder reports what is wrong
  }
}

}  // namespace drf
