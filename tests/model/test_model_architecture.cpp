// Architecture checks: parameter counts of the full SD 1.5 / SD 2.1 presets against the
// reference models, config JSON parsing, and shapes through the tiny networks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/models/sd/sd_model.h"
#include "core/util/errors.h"

namespace drf {
namespace {

// Parameters are created empty (never touched), so building the full-size networks costs
// neither time nor resident memory.
const torch::TensorOptions kEmpty = torch::TensorOptions().dtype(torch::kFloat32);

// Reference counts: sum(p.numel() for p in model.parameters()) of diffusers
// UNet2DConditionModel / AutoencoderKL and transformers CLIPTextModel built from the public
// config.json files (runwayml/stable-diffusion-v1-5, stabilityai/stable-diffusion-2-1). The
// text encoders check by hand too: CLIP ViT-L/14 text = 49408*768 + 77*768 (embeddings) +
// 12 * 7,087,872 (layer: 4 attention projections 4*(768^2+768), fc1 768*3072+3072,
// fc2 3072*768+768, two LayerNorms 4*768) + 1,536 (final LayerNorm) = 123,060,480; the
// OpenCLIP ViT-H/14 text tower as diffusers ships it (23 layers of width 1024, MLP 4096):
// 49408*1024 + 77*1024 + 23 * 12,596,224 + 2,048 = 340,387,840.
TEST(ModelArchitecture, Sd15ParameterCountsMatchReference) {
  const SdModelConfig c = sd_preset("sd15");
  EXPECT_EQ(layers::parameter_count(*UNet2DConditionModel(c.unet, kEmpty)), 859520964);
  EXPECT_EQ(layers::parameter_count(*ClipTextModel(c.text, kEmpty)), 123060480);
  EXPECT_EQ(layers::parameter_count(*AutoencoderKL(c.vae, kEmpty)), 83653863);
}

TEST(ModelArchitecture, Sd21ParameterCountsMatchReference) {
  const SdModelConfig c = sd_preset("sd21");
  // Differs from SD 1.5 only through the 1024-wide context (attn2.to_k/to_v: +256 inputs each
  // in 16 transformer blocks) and linear proj_in/proj_out (same counts as the 1x1 convs).
  EXPECT_EQ(layers::parameter_count(*UNet2DConditionModel(c.unet, kEmpty)), 865910724);
  EXPECT_EQ(layers::parameter_count(*ClipTextModel(c.text, kEmpty)), 340387840);
  EXPECT_EQ(layers::parameter_count(*AutoencoderKL(c.vae, kEmpty)), 83653863);
}

TEST(ModelArchitecture, ParameterNamesAreDiffusersKeys) {
  const SdModelConfig c = sd_preset("sd15");
  auto unet = UNet2DConditionModel(c.unet, kEmpty);
  auto params = unet->named_parameters(true);
  for (const char* key : {"conv_in.weight", "time_embedding.linear_1.weight", "down_blocks.0.resnets.0.norm1.weight",
                          "down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
                          "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0.bias",
                          "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
                          "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight",
                          "down_blocks.2.downsamplers.0.conv.weight", "mid_block.attentions.0.proj_in.weight",
                          "mid_block.resnets.1.time_emb_proj.bias", "up_blocks.0.resnets.2.conv_shortcut.weight",
                          "up_blocks.2.upsamplers.0.conv.weight", "up_blocks.3.attentions.2.norm.weight",
                          "conv_norm_out.bias", "conv_out.weight"})
    EXPECT_TRUE(params.contains(key)) << key;
  EXPECT_FALSE(params.contains("up_blocks.3.upsamplers.0.conv.weight"));
  EXPECT_FALSE(params.contains("down_blocks.3.attentions.0.norm.weight"));
  EXPECT_EQ(params["down_blocks.1.attentions.0.proj_in.weight"].sizes(), (std::vector<int64_t>{640, 640, 1, 1}));
  auto sd21 = UNet2DConditionModel(sd_preset("sd21").unet, kEmpty)->named_parameters(true);
  EXPECT_EQ(sd21["down_blocks.1.attentions.0.proj_in.weight"].sizes(), (std::vector<int64_t>{640, 640}));
  EXPECT_EQ(sd21["down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"].sizes(),
            (std::vector<int64_t>{640, 1024}));

  auto text = ClipTextModel(c.text, kEmpty)->named_parameters(true);
  for (const char* key : {"text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
                          "text_model.encoder.layers.11.self_attn.q_proj.bias", "text_model.encoder.layers.0.mlp.fc2.weight",
                          "text_model.encoder.layers.3.layer_norm2.weight", "text_model.final_layer_norm.weight"})
    EXPECT_TRUE(text.contains(key)) << key;
  auto vae = AutoencoderKL(c.vae, kEmpty)->named_parameters(true);
  for (const char* key : {"encoder.down_blocks.1.resnets.0.conv_shortcut.weight", "encoder.down_blocks.0.downsamplers.0.conv.bias",
                          "encoder.mid_block.attentions.0.group_norm.weight", "decoder.mid_block.attentions.0.to_out.0.weight",
                          "decoder.up_blocks.3.resnets.2.conv2.weight", "decoder.up_blocks.2.upsamplers.0.conv.weight",
                          "quant_conv.weight", "post_quant_conv.bias", "decoder.conv_norm_out.weight"})
    EXPECT_TRUE(vae.contains(key)) << key;
  EXPECT_EQ(vae["decoder.mid_block.attentions.0.to_q.weight"].sizes(), (std::vector<int64_t>{512, 512}));
}

// The runwayml/stable-diffusion-v1-5 unet/config.json as published.
const char* kSd15UnetJson = R"({
  "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.6.0", "act_fn": "silu",
  "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false,
  "cross_attention_dim": 768,
  "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
  "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]})";

TEST(ModelConfig, ParsesPublishedSd15ConfigAsPreset) {
  const UNetConfig parsed = parse_unet_config(nlohmann::json::parse(kSd15UnetJson), "unet/config.json");
  const UNetConfig preset = unet_config_sd15();
  EXPECT_EQ(parsed.block_out_channels, preset.block_out_channels);
  EXPECT_EQ(parsed.attention_heads, preset.attention_heads);
  EXPECT_EQ(parsed.layers_per_block, preset.layers_per_block);
  EXPECT_EQ(parsed.cross_attention_dim, 768);
  EXPECT_FALSE(parsed.use_linear_projection);
  EXPECT_EQ(unet_config_to_json(parsed), unet_config_to_json(preset));
}

TEST(ModelConfig, RoundTripsAndRejectsUnsupportedFields) {
  for (const UNetConfig& c : {unet_config_sd21(), unet_config_tiny()})
    EXPECT_EQ(unet_config_to_json(parse_unet_config(unet_config_to_json(c), "x")), unet_config_to_json(c));
  EXPECT_EQ(clip_text_config_to_json(parse_clip_text_config(clip_text_config_to_json(clip_text_config_sd21()), "x")),
            clip_text_config_to_json(clip_text_config_sd21()));
  EXPECT_EQ(vae_config_to_json(parse_vae_config(vae_config_to_json(vae_config_tiny()), "x")),
            vae_config_to_json(vae_config_tiny()));

  auto j = nlohmann::json::parse(kSd15UnetJson);
  j["addition_embed_type"] = "text_time";  // SDXL
  try {
    parse_unet_config(j, "unet/config.json");
    FAIL() << "SDXL field accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("addition_embed_type"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unet/config.json"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(kSd15UnetJson);
  j["attention_head_dim"] = {8, 8};  // wrong length
  EXPECT_THROW(parse_unet_config(j, "u"), InputError);
  j = nlohmann::json::parse(kSd15UnetJson);
  j["block_out_channels"] = "wide";
  EXPECT_THROW(parse_unet_config(j, "u"), InputError);
  j = nlohmann::json::parse(kSd15UnetJson);
  j["norm_num_groups"] = 7;  // 320 % 7 != 0
  EXPECT_THROW(parse_unet_config(j, "u"), InputError);
}

TEST(ModelShapes, TinyNetworksProduceTheExpectedShapes) {
  torch::manual_seed(0);
  const SdModelConfig c = sd_preset("tiny");
  SdModules m = build_sd_modules(c, torch::TensorOptions().dtype(torch::kFloat32));
  for (auto* mod : std::initializer_list<torch::nn::Module*>{m.unet.get(), m.text_encoder.get(), m.vae.get()})
    for (auto& p : mod->parameters()) p.set_data(torch::randn(p.sizes()) * 0.1);
  torch::NoGradGuard ng;
  auto ids = torch::randint(0, c.text.vocab_size, {2, 77}, torch::kLong);
  auto ctx = m.text_encoder->forward(ids);
  EXPECT_EQ(ctx.sizes(), (std::vector<int64_t>{2, 77, 16}));
  // Odd latent sizes exercise the explicit upsample sizes.
  for (int64_t hw : {8, 12, 9}) {
    auto x = torch::randn({2, 4, hw, hw + 2});
    auto y = m.unet->forward(x, torch::tensor({10.0, 500.0}), ctx);
    EXPECT_EQ(y.sizes(), x.sizes());
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
  auto img = m.vae->decode(torch::randn({1, 4, 8, 6}));
  EXPECT_EQ(img.sizes(), (std::vector<int64_t>{1, 3, 64, 48}));
  EXPECT_EQ(m.vae->encode_mean(img).sizes(), (std::vector<int64_t>{1, 4, 8, 6}));
  EXPECT_THROW(m.text_encoder->forward(ids, 2), UsageError);  // tiny has 2 layers: skip 2 leaves none
  EXPECT_THROW(m.text_encoder->forward(torch::zeros({1, 78}, torch::kLong)), UsageError);
}

}  // namespace
}  // namespace drf
