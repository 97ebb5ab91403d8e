// Stable Diffusion 1.x / 2.x as an engine pipeline: CLIP tokenizer + text encoder for the
// conditioning, the UNet as the denoiser, the VAE for the final image, a linear latent->RGB
// map for live previews. Built by the loaders (sd_diffusers_folder.h, sd_single_file.h)
// and by make_random_sd_pipeline() for the synthetic random:* models.
#pragma once
#include "core/models/clip/prompt_tokenizer.h"
#include "core/models/latent/latent_pipeline.h"
#include "core/models/sd/sd_model.h"
#include "core/models/unet/unet_denoiser.h"

namespace drf {

class StableDiffusionPipeline : public LatentPipeline {
 public:
  // `modules` must already hold their weights, on `device` in `dtype`.
  StableDiffusionPipeline(SdModelConfig config, SdModules modules, std::shared_ptr<const PromptTokenizer> tokenizer,
                          SdPipelineInfo info, torch::Device device, torch::Dtype dtype);

  ModelSummary summary() const override;
  ScheduleConfig schedule_config() const override { return config_.schedule; }
  std::vector<int64_t> state_shape(int width, int height) const override;
  Conditioning encode(const std::string& prompt, const std::string& negative, double guidance, int clip_skip,
                      std::vector<std::string>& warnings) override;
  torch::Tensor decode(const torch::Tensor& state) override;
  torch::Tensor preview(const torch::Tensor& states) override;
  int64_t activation_bytes_per_row(const std::vector<int64_t>& state_shape) const override;
  void replace_vae(const std::string& path) override;  // core/models/latent/vae_override.h
  std::string apply_lora(const std::string& path, double strength) override;  // UNet and text encoder

  const SdModelConfig& config() const { return config_; }
  const SdModules& modules() const { return modules_; }
  SdModules& modules() { return modules_; }
  const PromptTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<Denoiser> make_replica(const torch::Device& device) override;

  SdModelConfig config_;
  SdModules modules_;
  std::shared_ptr<const PromptTokenizer> tokenizer_;
};

// random:sd15 / random:sd21 / random:tiny: the preset architecture with deterministic random
// weights (seed fixed per preset) on the request's device and dtype. Uses the request's
// tokenizer folder when given, else the byte-level stand-in tokenizer.
std::unique_ptr<StableDiffusionPipeline> make_random_sd_pipeline(const std::string& preset,
                                                                  const PipelineRequest& request);

}  // namespace drf
