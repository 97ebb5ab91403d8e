// SDXL (base or refiner) as an engine pipeline: two CLIP text encoders for the context and
// pooled embedding, size/crop time ids, the SDXL UNet as the denoiser, the VAE (float32 when
// force_upcast) for the final image.
#pragma once
#include "core/models/latent/latent_pipeline.h"
#include "core/models/sd/stable_diffusion_pipeline.h"
#include "core/models/sdxl/sdxl_conditioning.h"
#include "core/models/unet/unet_denoiser.h"

namespace drf {

class SdxlPipeline : public LatentPipeline {
 public:
  // `modules` must already hold their weights, on `device` (UNet and text encoders in
  // `dtype`; the VAE as build_sdxl_modules made it).
  SdxlPipeline(SdxlModelConfig config, SdxlModules modules, SdxlTokenizers tokenizers, SdPipelineInfo info,
               torch::Device device, torch::Dtype dtype);

  ModelSummary summary() const override;
  ScheduleConfig schedule_config() const override { return config_.schedule; }
  std::vector<int64_t> state_shape(int width, int height) const override;
  Conditioning encode(const std::string& prompt, const std::string& negative, double guidance, int clip_skip,
                      std::vector<std::string>& warnings) override;
  void condition_on_size(Conditioning& conditioning, const std::vector<int64_t>& state_shape,
                         const GenerationSettings& settings) const override;
  torch::Tensor decode(const torch::Tensor& state) override;
  torch::Tensor preview(const torch::Tensor& states) override;
  int64_t activation_bytes_per_row(const std::vector<int64_t>& state_shape) const override;
  void replace_vae(const std::string& path) override;  // core/models/latent/vae_override.h
  // UNet, text_encoder (CLIP ViT-L; the refiner has none) and text_encoder_2 (OpenCLIP bigG).
  std::string apply_lora(const std::string& path, double strength) override;

  const SdxlModelConfig& config() const { return config_; }
  SdxlModules& modules() { return modules_; }

 private:
  std::shared_ptr<Denoiser> make_replica(const torch::Device& device) override;

  SdxlModelConfig config_;
  SdxlModules modules_;
  SdxlTokenizers tokenizers_;
};

// random:sdxl / random:sdxl-refiner / random:sdxl-tiny: the preset with deterministic random
// weights on the request's device and dtype; the request's tokenizer folder for both text
// encoders when given, else the byte-level stand-in.
std::unique_ptr<SdxlPipeline> make_random_sdxl_pipeline(const std::string& preset, const PipelineRequest& request);

}  // namespace drf
