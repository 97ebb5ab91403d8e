// The networks of an SD3 / SD3.5 model: CLIP ViT-L and OpenCLIP bigG with projections, the
// optional T5-XXL encoder (core/models/sd3/sd3_text_encoders.h, written by the sd3-text side),
// the MMDiT transformer, the 16-channel VAE (no quant convs, scaling 1.5305, shift 0.0609),
// the flow-matching schedule (shift 3.0), and the named presets of the random:sd3* sources.
#pragma once
#include <string>

#include "core/models/vae/autoencoder_kl.h"
#include "core/models/sd3/sd3_text_encoders.h"
#include "core/models/sd3/sd3_transformer.h"
#include "core/models/t5/t5_config.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

struct Sd3ModelConfig {
  std::string architecture;  // "sd3-medium", "sd35-medium", "sd35-large", "sd3-tiny"
  Sd3TransformerConfig transformer;
  ClipTextConfig text_l;     // text_encoder: CLIPTextModelWithProjection (768, pooled 768)
  ClipTextConfig text_g;     // text_encoder_2: bigG with projection (1280, pooled 1280)
  bool has_t5 = true;        // false: the T5 tokens are zeros (diffusers without text_encoder_3)
  T5EncoderConfig t5;        // text_encoder_3
  int t5_tokens = 256;       // diffusers' max_sequence_length default
  VaeConfig vae;             // 16 latent channels, scaling 1.5305, shift 0.0609, float32 (force_upcast)
  ScheduleConfig schedule;   // FlowMatchEulerDiscreteScheduler, shift 3.0

  int native_image_size() const { return static_cast<int>(transformer.sample_size * vae.scale_factor()); }
  // Pixels per position of the latent grid the transformer tiles: VAE factor * patch size.
  int64_t pixel_step() const { return vae.scale_factor() * transformer.patch_size; }
  // Checks that text widths, pooled width and latent channels add up to the transformer's inputs.
  void validate(const std::string& where) const;
};

// The flow-matching schedule of SD3's scheduler_config.json (FlowMatchEulerDiscreteScheduler,
// 1000 training steps, shift 3.0).
ScheduleConfig sd3_schedule_config();
// stabilityai/stable-diffusion-3-medium-diffusers vae/config.json.
VaeConfig vae_config_sd3();

// "sd3-medium", "sd35-medium", "sd35-large" (1024 px; all three text encoders at full size) and
// "sd3-tiny" (64 px: tiny transformer, text encoders and VAE for CPU tests).
Sd3ModelConfig sd3_preset(const std::string& name);
bool is_sd3_preset(const std::string& name);

struct Sd3Modules {
  SD3Transformer2DModel transformer{nullptr};
  Sd3TextEncoders text;  // text.t5 null when the config has no T5
  AutoencoderKL vae{nullptr};
};

// All networks with EMPTY parameters on options' device: transformer and CLIPs in options'
// dtype, T5 in `t5_options` (another device or dtype is allowed: 4.7 B parameters), the VAE in
// float32 when its config says force_upcast.
Sd3Modules build_sd3_modules(const Sd3ModelConfig& config, const torch::TensorOptions& options,
                             const torch::TensorOptions& t5_options);

}  // namespace drf
