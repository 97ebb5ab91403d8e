#include "core/models/sdxl/sdxl_pipeline.h"

#include <filesystem>

#include "core/io/sha256.h"
#include "core/models/latent_preview.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/nn/attention_memory.h"
#include "core/models/vae/vae_override.h"
#include "core/util/errors.h"

namespace drf {

SdxlPipeline::SdxlPipeline(SdxlModelConfig config, SdxlModules modules, SdxlTokenizers tokenizers,
                           SdPipelineInfo info, torch::Device device, torch::Dtype dtype)
    : config_(std::move(config)),
      modules_(std::move(modules)),
      tokenizers_(std::move(tokenizers)),
      info_(std::move(info)),
      device_(device),
      dtype_(dtype),
      hash_(info_.hash_file) {
  config_.validate("SDXL model");
  if (!tokenizers_.g || (config_.has_text_l && !tokenizers_.l))
    throw Error(ErrorKind::Internal, "SDXL pipeline built without its tokenizers");
  for (const auto* t : {tokenizers_.l.get(), tokenizers_.g.get()})
    if (t && t->vocab_size() > config_.text_g.vocab_size)
      throw InputError(t->describe() + " uses ids up to " + std::to_string(t->vocab_size() - 1) +
                       " but the text encoders have only " + std::to_string(config_.text_g.vocab_size) +
                       " token embeddings: tokenizer and model do not belong together");
  modules_.unet->eval();
  if (modules_.text_l) modules_.text_l->eval();
  modules_.text_g->eval();
  modules_.vae->eval();
  denoiser_ = std::make_shared<UNetDenoiser>(modules_.unet, config_.schedule.prediction, dtype_);
}

ModelSummary SdxlPipeline::summary() const {
  ModelSummary s;
  s.name = info_.name;
  for (const auto& n : info_.notes) s.name += "; " + n;
  s.source = info_.source;
  s.architecture = config_.architecture;
  s.prediction_type = prediction_type_name(config_.schedule.prediction);
  s.native_width = s.native_height = config_.native_image_size();
  s.parameter_counts.emplace_back("unet", layers::parameter_count(*modules_.unet));
  if (modules_.text_l) s.parameter_counts.emplace_back("text_encoder", layers::parameter_count(*modules_.text_l));
  s.parameter_counts.emplace_back("text_encoder_2", layers::parameter_count(*modules_.text_g));
  s.parameter_counts.emplace_back("vae", layers::parameter_count(*modules_.vae));
  return s;
}

std::vector<int64_t> SdxlPipeline::state_shape(int width, int height) const {
  const int64_t f = config_.vae.scale_factor();
  const int64_t min_size = f * (int64_t{1} << (config_.unet.blocks() - 1));
  const int64_t native = config_.native_image_size();
  const int64_t w = width > 0 ? width : native, h = height > 0 ? height : native;
  for (int64_t v : {w, h})
    if (v % f != 0 || v < min_size || v > 4096)
      throw UsageError("image size " + std::to_string(w) + "x" + std::to_string(h) + " is not possible with this model: "
                       "width and height must be multiples of " + std::to_string(f) + " between " +
                       std::to_string(min_size) + " and 4096 (SDXL is trained around " + std::to_string(native) + "x" +
                       std::to_string(native) + " pixels in all)");
  return {1, config_.vae.latent_channels, h / f, w / f};
}

int64_t SdxlPipeline::activation_bytes_per_row(const std::vector<int64_t>& state_shape) const {
  if (state_shape.size() != 4) return 0;
  // Activations plus the attention scores where they are materialized (LibTorch 1.13).
  return unet_peak_bytes_per_row(config_.unet, state_shape[2], state_shape[3],
                                 static_cast<int64_t>(torch::elementSize(dtype_)));
}

Conditioning SdxlPipeline::encode(const std::string& prompt, const std::string& negative, double guidance,
                                  int clip_skip, std::vector<std::string>& warnings) {
  Conditioning c;
  c.guidance = guidance;
  c.cond = encode_sdxl_prompt(config_, modules_, tokenizers_, device_, prompt, "the prompt", clip_skip, warnings);
  if (guidance != 1.0) {
    if (negative.empty() && config_.force_zeros_for_empty_prompt)
      c.uncond = c.cond.map([](const torch::Tensor& t) { return torch::zeros_like(t); });
    else
      c.uncond = encode_sdxl_prompt(config_, modules_, tokenizers_, device_, negative, "the negative prompt",
                                    clip_skip, warnings);
  }
  condition_on_size(c, state_shape(0, 0), GenerationSettings{});  // the job sets its own
  return c;
}

void SdxlPipeline::condition_on_size(Conditioning& c, const std::vector<int64_t>& shape,
                                     const GenerationSettings& settings) const {
  const SdxlSizeConditioning size = sdxl_size_conditioning(settings);
  const int64_t f = config_.vae.scale_factor();
  const int w = static_cast<int>(shape.at(3) * f), h = static_cast<int>(shape.at(2) * f);
  c.cond.time_ids = sdxl_time_ids(config_, size, w, h, /*negative=*/false).to(device_);
  if (c.uncond.defined()) c.uncond.time_ids = sdxl_time_ids(config_, size, w, h, /*negative=*/true).to(device_);
}

torch::Tensor SdxlPipeline::decode(const torch::Tensor& state) {
  torch::NoGradGuard no_grad;
  const auto vae_dtype = modules_.vae->parameters().front().scalar_type();
  auto image = modules_.vae->decode_scaled(state.to(device_, vae_dtype));
  return (image * 0.5 + 0.5).clamp(0, 1).to(torch::kCPU, torch::kFloat32)[0];
}

void SdxlPipeline::replace_vae(const std::string& path) {
  modules_.vae = load_vae_override(path, config_.vae, dtype_, device_);
  config_.vae = modules_.vae->config();
  info_.notes.push_back("VAE " + std::filesystem::path(path).filename().string());
}

torch::Tensor SdxlPipeline::preview(const torch::Tensor& states) {
  return latent_rgb_preview(states, LatentPreviewFactors::sdxl());
}

std::shared_ptr<Denoiser> SdxlPipeline::replicate_denoiser(const torch::Device& device) {
  if (device == device_) return denoiser_;
  return replicas_.get(device, [&] {
    return replicate_unet_denoiser(modules_.unet, config_.unet, config_.schedule.prediction, dtype_, device);
  });
}

std::string SdxlPipeline::model_hash() const { return hash_.get(); }

std::unique_ptr<SdxlPipeline> make_random_sdxl_pipeline(const std::string& preset, const PipelineRequest& request) {
  SdxlModelConfig config = sdxl_preset(preset);
  SdxlModules modules = build_sdxl_modules(config, torch::TensorOptions().device(request.device).dtype(request.dtype));
  // One fixed seed per component: the same random model in every run and on every device.
  init_random_weights(*modules.unet, 0x5d170001);
  if (modules.text_l) init_random_weights(*modules.text_l, 0x5d170002);
  init_random_weights(*modules.text_g, 0x5d170003);
  init_random_weights(*modules.vae, 0x5d170004);
  SdPipelineInfo info;
  info.source = request.source;
  info.name = preset == "sdxl"           ? "Random weights, SDXL base 1.0 architecture"
              : preset == "sdxl-refiner" ? "Random weights, SDXL refiner 1.0 architecture"
              : preset == "sdxl-tiny"    ? "Random weights, tiny SDXL test architecture"
                                         : "Random weights, tiny SDXL refiner test architecture";
  SdxlTokenizers tokenizers;
  if (!request.tokenizer_dir.empty()) {
    if (config.has_text_l) tokenizers.l = load_clip_tokenizer_folder(request.tokenizer_dir, config.pad_token_l);
    tokenizers.g = load_clip_tokenizer_folder(request.tokenizer_dir, config.pad_token_g);
  } else {
    auto stand_in = std::make_shared<ByteLevelPromptTokenizer>(config.text_g.vocab_size);
    if (config.has_text_l) tokenizers.l = stand_in;
    tokenizers.g = stand_in;
    info.notes.push_back("byte-level stand-in tokenizer (pass a tokenizer folder for real CLIP tokens)");
  }
  return std::make_unique<SdxlPipeline>(std::move(config), std::move(modules), std::move(tokenizers), std::move(info),
                                        request.device, request.dtype);
}

}  // namespace drf
