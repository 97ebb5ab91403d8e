#include "core/models/sd3/sd3_model.h"

#include "core/util/errors.h"

namespace drf {

void Sd3ModelConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& m) { throw InputError(where + ": " + m); };
  transformer.validate(where);
  if (!text_l.with_projection || !text_g.with_projection)
    fail("both CLIP text encoders must be CLIPTextModelWithProjection (their pooled outputs condition the transformer)");
  const int64_t pooled = text_l.projection_dim + text_g.projection_dim;
  if (pooled != transformer.pooled_projection_dim)
    fail("the pooled text embeddings give " + std::to_string(pooled) + " features but the transformer expects " +
         std::to_string(transformer.pooled_projection_dim));
  const int64_t clip = text_l.hidden_size + text_g.hidden_size;
  if (clip > transformer.joint_attention_dim)
    fail("the CLIP hidden states (" + std::to_string(clip) + " wide) exceed the transformer's joint_attention_dim (" +
         std::to_string(transformer.joint_attention_dim) + ")");
  if (has_t5 && t5.d_model != transformer.joint_attention_dim)
    fail("T5's d_model (" + std::to_string(t5.d_model) + ") differs from the transformer's joint_attention_dim (" +
         std::to_string(transformer.joint_attention_dim) + ")");
  if (t5_tokens < 1 || t5_tokens > 512) fail("the T5 token count must be between 1 and 512");
  if (vae.latent_channels != transformer.in_channels || vae.latent_channels != transformer.out_channels)
    fail("the VAE's latent_channels (" + std::to_string(vae.latent_channels) +
         ") differ from the transformer's in/out channels");
  if (!schedule.flow_matching) fail("SD3 samples with a flow-matching scheduler (FlowMatchEulerDiscreteScheduler)");
}

ScheduleConfig sd3_schedule_config() {
  ScheduleConfig s;
  s.flow_matching = true;
  s.prediction = PredictionType::FlowVelocity;
  s.num_train_timesteps = 1000;
  s.shift = 3.0;
  s.steps_offset = 0;
  return s;
}

VaeConfig vae_config_sd3() {
  VaeConfig c;
  c.latent_channels = 16;
  c.sample_size = 1024;
  c.scaling_factor = 1.5305;
  c.shift_factor = 0.0609;
  c.use_quant_conv = false;
  c.use_post_quant_conv = false;
  c.force_upcast = true;
  return c;
}

bool is_sd3_preset(const std::string& name) {
  return name == "sd3-medium" || name == "sd35-medium" || name == "sd35-large" || name == "sd3-tiny";
}

Sd3ModelConfig sd3_preset(const std::string& name) {
  Sd3ModelConfig c;
  c.architecture = name;
  c.schedule = sd3_schedule_config();
  if (name == "sd3-tiny") {
    c.text_l = clip_text_config_sd3_tiny_l();
    c.text_g = clip_text_config_sd3_tiny_g();
    c.t5 = t5_encoder_config_tiny();
    c.t5_tokens = 16;
    c.transformer = sd3_transformer_config_tiny();
    c.transformer.joint_attention_dim = c.t5.d_model;
    c.transformer.pooled_projection_dim = c.text_l.projection_dim + c.text_g.projection_dim;
    c.vae = vae_config_sd3();
    const VaeConfig tiny = vae_config_tiny();
    c.vae.block_out_channels = tiny.block_out_channels;
    c.vae.layers_per_block = tiny.layers_per_block;
    c.vae.norm_num_groups = tiny.norm_num_groups;
    c.vae.sample_size = 64;
  } else {
    c.text_l = clip_text_config_sd3_l();
    c.text_g = clip_text_config_sd3_g();
    c.t5 = t5_encoder_config_xxl();
    c.vae = vae_config_sd3();
    if (name == "sd3-medium") c.transformer = sd3_transformer_config_sd3_medium();
    else if (name == "sd35-medium") c.transformer = sd3_transformer_config_sd35_medium();
    else if (name == "sd35-large") c.transformer = sd3_transformer_config_sd35_large();
    else throw UsageError("unknown SD3 preset '" + name + "' (expected sd3-medium, sd35-medium, sd35-large or sd3-tiny)");
  }
  c.validate("SD3 preset " + name);
  return c;
}

Sd3Modules build_sd3_modules(const Sd3ModelConfig& config, const torch::TensorOptions& options,
                             const torch::TensorOptions& t5_options) {
  config.validate("SD3 model");
  Sd3Modules m;
  m.transformer = SD3Transformer2DModel(config.transformer, options);
  m.text.clip_l = ClipTextModel(config.text_l, options);
  m.text.clip_g = ClipTextModel(config.text_g, options);
  if (config.has_t5) {
    m.text.t5 = T5EncoderModel(config.t5, t5_options);
    m.text.t5_device = t5_options.device();
  }
  m.vae = AutoencoderKL(config.vae, config.vae.force_upcast ? options.dtype(torch::kFloat32) : options);
  return m;
}

}  // namespace drf
