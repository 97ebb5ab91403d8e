// The VAE override (GenerationSettings::vae, `--vae FILE|FOLDER`): decode with another VAE of the
// same latent space than the model's own, e.g. the fp16-fixed SDXL VAE (madebyollin's
// sdxl-vae-fp16-fix), which does not overflow in half precision.
#pragma once
#include <string>

#include <torch/torch.h>

#include "core/models/vae/autoencoder_kl.h"
#include "core/models/vae/vae_config.h"

namespace drf {

// Builds and loads the VAE at `path` on `device`:
//  - a folder with config.json and diffusion_pytorch_model[.fp16].safetensors (a diffusers VAE
//    folder), or a model folder with such a vae/ subfolder: its own config (scaling factor,
//    force_upcast);
//  - a .safetensors file with diffusers names (decoder.up_blocks.*), LDM names
//    (decoder.up.*), or a whole checkpoint's first_stage_model.*: the model's VAE config
//    `model_vae` (a file carries no config).
// Runs in float32 when the VAE's config says force_upcast, else in `dtype`. Every tensor of the
// file must be used (the LDM training loss.* excepted). InputError naming the path when it is
// not a VAE of the model's latent space (latent channels).
AutoencoderKL load_vae_override(const std::string& path, const VaeConfig& model_vae, torch::Dtype dtype,
                                const torch::Device& device);

}  // namespace drf
