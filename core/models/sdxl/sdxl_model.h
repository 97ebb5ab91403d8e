// The networks of an SDXL model (base: CLIP ViT-L + OpenCLIP ViT-bigG text encoders, the
// SDXL UNet, the KL-f8 VAE with scaling 0.13025; refiner: bigG only), their configurations
// and the named presets of the random:sdxl* sources.
#pragma once
#include <string>

#include "core/models/vae/autoencoder_kl.h"
#include "core/models/clip/clip_text_model.h"
#include "core/models/unet/unet_2d_condition.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

struct SdxlModelConfig {
  std::string architecture;  // "sdxl", "sdxl-refiner", "sdxl-tiny"
  UNetConfig unet;
  bool has_text_l = true;    // false for the refiner (bigG only)
  ClipTextConfig text_l;     // text_encoder: CLIP ViT-L (penultimate states, 768)
  ClipTextConfig text_g;     // text_encoder_2: bigG with projection (penultimate states, 1280; pooled 1280)
  VaeConfig vae;             // scaling_factor 0.13025, force_upcast
  ScheduleConfig schedule;   // SD's scaled-linear epsilon schedule
  // Refiner: time ids end in an aesthetic score instead of the target size.
  bool requires_aesthetics_score = false;
  // An empty negative prompt conditions on zeros (diffusers' force_zeros_for_empty_prompt).
  bool force_zeros_for_empty_prompt = true;
  std::string pad_token_l = "<|endoftext|>", pad_token_g = "!";

  int context_length() const { return static_cast<int>(text_g.max_position_embeddings); }
  int native_image_size() const { return static_cast<int>(unet.sample_size * vae.scale_factor()); }
  int64_t time_id_count() const { return requires_aesthetics_score ? 5 : 6; }
  // Checks that context, pooled width and time ids add up to the UNet's inputs.
  void validate(const std::string& where) const;
};

// "sdxl": stabilityai/stable-diffusion-xl-base-1.0 (1024 px); "sdxl-refiner":
// stabilityai/stable-diffusion-xl-refiner-1.0; "sdxl-tiny": the tiny test configs (64 px).
SdxlModelConfig sdxl_preset(const std::string& name);
bool is_sdxl_preset(const std::string& name);

struct SdxlModules {
  UNet2DConditionModel unet{nullptr};
  ClipTextModel text_l{nullptr};  // null for the refiner
  ClipTextModel text_g{nullptr};
  AutoencoderKL vae{nullptr};
};

// All networks with EMPTY parameters; the VAE in float32 when the config says force_upcast
// (the original SDXL VAE overflows in fp16), else in options' dtype.
SdxlModules build_sdxl_modules(const SdxlModelConfig& config, const torch::TensorOptions& options);

}  // namespace drf
