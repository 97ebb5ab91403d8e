#include "core/models/sdxl/sdxl_pipeline.h"

#include "core/models/latent/latent_preview.h"
#include "core/models/latent/unet_lora_module.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/unet/unet_memory.h"
#include "core/util/errors.h"

namespace drf {

SdxlPipeline::SdxlPipeline(SdxlModelConfig config, SdxlModules modules, SdxlTokenizers tokenizers,
                           SdPipelineInfo info, torch::Device device, torch::Dtype dtype)
    : LatentPipeline(std::move(info), device, dtype),
      config_(std::move(config)),
      modules_(std::move(modules)),
      tokenizers_(std::move(tokenizers)) {
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
  ModelSummary s = summary_header(config_.architecture, config_.schedule.prediction, config_.native_image_size());
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
  return checked_state_shape(width, height, native, f, min_size, 4096, f, config_.vae.latent_channels,
                             "SDXL is trained around " + std::to_string(native) + "x" + std::to_string(native) +
                                 " pixels in all");
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

torch::Tensor SdxlPipeline::decode(const torch::Tensor& state) { return decode_with_vae(modules_.vae, state); }

void SdxlPipeline::replace_vae(const std::string& path) { replace_vae_in(modules_.vae, config_.vae, path); }

std::string SdxlPipeline::apply_lora(const std::string& path, double strength) {
  std::vector<LoraModule> modules{unet_lora_module(modules_.unet, config_.unet)};
  if (modules_.text_l) modules.push_back({"text_encoder", modules_.text_l.get(), {}});
  modules.push_back({"text_encoder_2", modules_.text_g.get(), {}});
  return merge_lora(path, strength, modules);
}

torch::Tensor SdxlPipeline::preview(const torch::Tensor& states) {
  return latent_rgb_preview(states, LatentPreviewFactors::sdxl());
}

std::shared_ptr<Denoiser> SdxlPipeline::make_replica(const torch::Device& device) {
  return replicate_unet_denoiser(modules_.unet, config_.unet, config_.schedule.prediction, dtype_, device);
}

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
