#include "core/models/sd/sd_model.h"

#include "core/util/errors.h"

namespace drf {

SdModelConfig sd_preset(const std::string& name) {
  SdModelConfig c;
  if (name == "sd15") {
    c.architecture = "sd15";
    c.unet = unet_config_sd15();
    c.text = clip_text_config_sd15();
    c.vae = vae_config_sd15();
  } else if (name == "sd21") {
    c.architecture = "sd21";
    c.unet = unet_config_sd21();
    c.text = clip_text_config_sd21();
    c.vae = vae_config_sd21();
    c.schedule.prediction = PredictionType::VPrediction;
    c.default_pad_token = "!";
  } else if (name == "tiny") {
    c.architecture = "sd-tiny";
    c.unet = unet_config_tiny();
    c.text = clip_text_config_tiny();
    c.vae = vae_config_tiny();
  } else {
    throw UsageError("unknown model preset '" + name + "' (expected sd15, sd21 or tiny)");
  }
  return c;
}

SdModules build_sd_modules(const SdModelConfig& config, const torch::TensorOptions& options) {
  if (config.unet.cross_attention_dim != config.text.hidden_size)
    throw InputError("the UNet's cross_attention_dim (" + std::to_string(config.unet.cross_attention_dim) +
                     ") differs from the text encoder's hidden_size (" + std::to_string(config.text.hidden_size) +
                     "): the components do not belong together");
  if (config.unet.in_channels != config.vae.latent_channels || config.unet.out_channels != config.vae.latent_channels)
    throw InputError("the UNet's in/out channels (" + std::to_string(config.unet.in_channels) + "/" +
                     std::to_string(config.unet.out_channels) + ") differ from the VAE's latent_channels (" +
                     std::to_string(config.vae.latent_channels) + ")");
  SdModules m;
  m.unet = UNet2DConditionModel(config.unet, options);
  m.text_encoder = ClipTextModel(config.text, options);
  m.vae = AutoencoderKL(config.vae, options);
  return m;
}

}  // namespace drf
