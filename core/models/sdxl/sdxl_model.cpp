#include "core/models/sdxl/sdxl_model.h"

#include "core/util/errors.h"

namespace drf {

void SdxlModelConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& m) { throw InputError(where + ": " + m); };
  if (!unet.text_time()) fail("the UNet has no text_time addition embedding: not an SDXL UNet");
  const int64_t context = (has_text_l ? text_l.hidden_size : 0) + text_g.hidden_size;
  if (unet.cross_attention_dim != context)
    fail("the UNet's cross_attention_dim (" + std::to_string(unet.cross_attention_dim) +
         ") differs from the text encoders' concatenated width (" + std::to_string(context) + ")");
  if (!text_g.with_projection) fail("text_encoder_2 must be a CLIPTextModelWithProjection (it gives the pooled embedding)");
  const int64_t added = text_g.projection_dim + time_id_count() * unet.addition_time_embed_dim;
  if (unet.projection_class_embeddings_input_dim != added)
    fail("the UNet expects " + std::to_string(unet.projection_class_embeddings_input_dim) +
         " added features but the pooled embedding (" + std::to_string(text_g.projection_dim) + ") and " +
         std::to_string(time_id_count()) + " time ids give " + std::to_string(added));
  if (unet.in_channels != vae.latent_channels || unet.out_channels != vae.latent_channels)
    fail("the UNet's in/out channels differ from the VAE's latent_channels");
  if (has_text_l && text_l.max_position_embeddings != text_g.max_position_embeddings)
    fail("the two text encoders differ in context length");
}

bool is_sdxl_preset(const std::string& name) {
  return name == "sdxl" || name == "sdxl-refiner" || name == "sdxl-tiny" || name == "sdxl-refiner-tiny";
}

SdxlModelConfig sdxl_preset(const std::string& name) {
  SdxlModelConfig c;
  c.architecture = name;
  if (name == "sdxl") {
    c.unet = unet_config_sdxl();
    c.text_l = clip_text_config_sdxl_l();
    c.text_g = clip_text_config_sdxl_bigg();
    c.vae = vae_config_sdxl();
  } else if (name == "sdxl-refiner") {
    c.unet = unet_config_sdxl_refiner();
    c.has_text_l = false;
    c.text_g = clip_text_config_sdxl_bigg();
    c.vae = vae_config_sdxl();
    c.requires_aesthetics_score = true;
    c.force_zeros_for_empty_prompt = false;  // the refiner's model_index.json
  } else if (name == "sdxl-tiny") {
    c.unet = unet_config_sdxl_tiny();
    c.text_l = clip_text_config_sdxl_tiny_l();
    c.text_g = clip_text_config_sdxl_tiny_g();
    c.vae = vae_config_tiny();
    c.vae.scaling_factor = 0.13025;
  } else if (name == "sdxl-refiner-tiny") {
    // The refiner's shape at test size: bigG alone (8 wide), 5 time ids with the aesthetic score.
    c.unet = unet_config_sdxl_tiny();
    c.text_g = clip_text_config_sdxl_tiny_g();
    c.unet.cross_attention_dim = c.text_g.hidden_size;
    c.unet.projection_class_embeddings_input_dim = c.text_g.projection_dim + 5 * c.unet.addition_time_embed_dim;
    c.has_text_l = false;
    c.vae = vae_config_tiny();
    c.vae.scaling_factor = 0.13025;
    c.requires_aesthetics_score = true;
    c.force_zeros_for_empty_prompt = false;
  } else {
    throw UsageError("unknown SDXL preset '" + name +
                     "' (expected sdxl, sdxl-refiner, sdxl-tiny or sdxl-refiner-tiny)");
  }
  c.validate("SDXL preset " + name);
  return c;
}

SdxlModules build_sdxl_modules(const SdxlModelConfig& config, const torch::TensorOptions& options) {
  config.validate("SDXL model");
  SdxlModules m;
  m.unet = UNet2DConditionModel(config.unet, options);
  if (config.has_text_l) m.text_l = ClipTextModel(config.text_l, options);
  m.text_g = ClipTextModel(config.text_g, options);
  m.vae = AutoencoderKL(config.vae, config.vae.force_upcast ? options.dtype(torch::kFloat32) : options);
  return m;
}

}  // namespace drf
