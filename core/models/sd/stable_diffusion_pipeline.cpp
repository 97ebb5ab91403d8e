#include "core/models/sd/stable_diffusion_pipeline.h"

#include "core/models/latent/latent_preview.h"
#include "core/models/latent/unet_lora_module.h"
#include "core/models/clip/prompt_encoding.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/unet/unet_memory.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
StableDiffusionPipeline::StableDiffusionPipeline(SdModelConfig config, SdModules modules,
                                                 std::shared_ptr<const PromptTokenizer> tokenizer, SdPipelineInfo info,
                                                 torch::Device device, torch::Dtype dtype)
    : LatentPipeline(std::move(info), device, dtype),
      config_(std::move(config)),
      modules_(std::move(modules)),
      tokenizer_(std::move(tokenizer)) {
  if (tokenizer_->vocab_size() > config_.text.vocab_size)
    throw InputError(tokenizer_->describe() + " uses ids up to " + std::to_string(tokenizer_->vocab_size() - 1) +
                     " but the text encoder has only " + std::to_string(config_.text.vocab_size) +
                     " token embeddings: tokenizer and model do not belong together");
  modules_.unet->eval();
  modules_.text_encoder->eval();
  modules_.vae->eval();
  denoiser_ = std::make_shared<UNetDenoiser>(modules_.unet, config_.schedule.prediction, dtype_);
}

ModelSummary StableDiffusionPipeline::summary() const {
  ModelSummary s = summary_header(config_.architecture, config_.schedule.prediction, config_.native_image_size());
  s.parameter_counts = {{"unet", layers::parameter_count(*modules_.unet)},
                        {"text_encoder", layers::parameter_count(*modules_.text_encoder)},
                        {"vae", layers::parameter_count(*modules_.vae)}};
  return s;
}

std::vector<int64_t> StableDiffusionPipeline::state_shape(int width, int height) const {
  const int64_t f = config_.vae.scale_factor();
  const int64_t min_size = f * (int64_t{1} << (config_.unet.blocks() - 1));
  const int64_t native = config_.native_image_size();
  return checked_state_shape(width, height, native, f, min_size, 2048, f, config_.vae.latent_channels,
                             "multiples of 64 are safest; native " + std::to_string(native));
}

int64_t StableDiffusionPipeline::activation_bytes_per_row(const std::vector<int64_t>& state_shape) const {
  if (state_shape.size() != 4) return 0;
  // Activations plus the attention scores where they are materialized (LibTorch 1.13).
  return unet_peak_bytes_per_row(config_.unet, state_shape[2], state_shape[3],
                                 static_cast<int64_t>(torch::elementSize(dtype_)));
}

Conditioning StableDiffusionPipeline::encode(const std::string& prompt, const std::string& negative, double guidance,
                                             int clip_skip, std::vector<std::string>& warnings) {
  return encode_prompt_pair(*tokenizer_, modules_.text_encoder, config_.context_length(), device_, prompt, negative,
                            guidance, clip_skip, warnings);
}

torch::Tensor StableDiffusionPipeline::decode(const torch::Tensor& state) {
  return decode_with_vae(modules_.vae, state);
}

void StableDiffusionPipeline::replace_vae(const std::string& path) { replace_vae_in(modules_.vae, config_.vae, path); }

std::string StableDiffusionPipeline::apply_lora(const std::string& path, double strength) {
  return merge_lora(path, strength,
                    {unet_lora_module(modules_.unet, config_.unet), {"text_encoder", modules_.text_encoder.get(), {}}});
}

torch::Tensor StableDiffusionPipeline::preview(const torch::Tensor& states) { return latent_rgb_preview(states); }

std::shared_ptr<Denoiser> StableDiffusionPipeline::make_replica(const torch::Device& device) {
  return replicate_unet_denoiser(modules_.unet, config_.unet, config_.schedule.prediction, dtype_, device);
}

std::unique_ptr<StableDiffusionPipeline> make_random_sd_pipeline(const std::string& preset,
                                                                  const PipelineRequest& request) {
  SdModelConfig config = sd_preset(preset);
  SdModules modules = build_sd_modules(config, torch::TensorOptions().device(request.device).dtype(request.dtype));
  // One fixed seed per component: the same random model in every run and on every device.
  init_random_weights(*modules.unet, 0x5eed0001);
  init_random_weights(*modules.text_encoder, 0x5eed0002);
  init_random_weights(*modules.vae, 0x5eed0003);
  std::shared_ptr<const PromptTokenizer> tokenizer;
  SdPipelineInfo info;
  info.source = request.source;
  info.name = preset == "sd15"   ? "Random weights, Stable Diffusion 1.5 architecture"
              : preset == "sd21" ? "Random weights, Stable Diffusion 2.1 architecture"
                                 : "Random weights, tiny test architecture";
  if (!request.tokenizer_dir.empty()) {
    tokenizer = load_clip_tokenizer_folder(request.tokenizer_dir, config.default_pad_token);
  } else {
    tokenizer = std::make_shared<ByteLevelPromptTokenizer>(config.text.vocab_size);
    info.notes.push_back("byte-level stand-in tokenizer (pass a tokenizer folder for real CLIP tokens)");
  }
  return std::make_unique<StableDiffusionPipeline>(std::move(config), std::move(modules), std::move(tokenizer),
                                                   std::move(info), request.device, request.dtype);
}

}  // namespace drf
