// The three networks of a Stable Diffusion 1.x/2.x model, their configurations, and the named
// presets the synthetic "random:*" sources and the single-file loader use.
#pragma once
#include <string>

#include "core/models/vae/autoencoder_kl.h"
#include "core/models/clip/clip_text_model.h"
#include "core/models/unet/unet_2d_condition.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

struct SdModelConfig {
  std::string architecture;  // "sd15" (SD 1.x), "sd21" (SD 2.x), "sd-tiny", "sd-custom"
  UNetConfig unet;
  ClipTextConfig text;
  VaeConfig vae;
  ScheduleConfig schedule;
  std::string default_pad_token = "<|endoftext|>";  // SD 2.x (OpenCLIP): "!"
  int context_length() const { return static_cast<int>(text.max_position_embeddings); }
  int native_image_size() const { return static_cast<int>(unet.sample_size * vae.scale_factor()); }
};

// "sd15": runwayml/stable-diffusion-v1-5 (epsilon, 512 px); "sd21": stabilityai/stable-diffusion-2-1
// (v-prediction, 768 px); "tiny": the tiny test configs (epsilon, 64 px). UsageError otherwise.
SdModelConfig sd_preset(const std::string& name);

struct SdModules {
  UNet2DConditionModel unet{nullptr};
  ClipTextModel text_encoder{nullptr};
  AutoencoderKL vae{nullptr};
};

// All three networks with EMPTY parameters on options' device and dtype (load or randomise next).
SdModules build_sd_modules(const SdModelConfig& config, const torch::TensorOptions& options);

}  // namespace drf
