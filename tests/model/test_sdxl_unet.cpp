// The SDXL UNet: the text_time addition embedding, per-level transformer depth and a top level
// without attention; the full-size base and refiner configs against diffusers' parameter
// counts; the published unet/config.json files parse to the presets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/models/nn/layers.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/unet/unet_2d_condition.h"
#include "core/util/errors.h"

namespace drf {
namespace {

const torch::TensorOptions kEmpty = torch::TensorOptions().dtype(torch::kFloat32);

// Reference counts: sum(p.numel() for p in UNet2DConditionModel(**config).parameters()) of
// diffusers built from the public configs of stabilityai/stable-diffusion-xl-base-1.0 and
// -refiner-1.0, built on the meta device (diffusers 0.40.0.dev0, one H200 machine, 2026-12-04;
// docs/results/2026-12-04/sdxl_counts.json).
TEST(SdxlUnet, FullSizeParameterCountsMatchDiffusers) {
  EXPECT_EQ(layers::parameter_count(*UNet2DConditionModel(unet_config_sdxl(), kEmpty)), 2567463684);
  EXPECT_EQ(layers::parameter_count(*UNet2DConditionModel(unet_config_sdxl_refiner(), kEmpty)), 2259526660);
}

TEST(SdxlUnet, KeysFollowTheSdxlLayout) {
  auto params = UNet2DConditionModel(unet_config_sdxl(), kEmpty)->named_parameters(true);
  EXPECT_EQ(params["add_embedding.linear_1.weight"].sizes(), (std::vector<int64_t>{1280, 2816}));
  EXPECT_EQ(params["add_embedding.linear_2.weight"].sizes(), (std::vector<int64_t>{1280, 1280}));
  EXPECT_FALSE(params.contains("down_blocks.0.attentions.0.norm.weight")) << "no attention at the top level";
  EXPECT_TRUE(params.contains("down_blocks.1.attentions.1.transformer_blocks.1.attn2.to_k.weight"));
  EXPECT_FALSE(params.contains("down_blocks.1.attentions.0.transformer_blocks.2.attn1.to_q.weight"));
  EXPECT_TRUE(params.contains("down_blocks.2.attentions.0.transformer_blocks.9.ff.net.2.weight"));
  EXPECT_TRUE(params.contains("mid_block.attentions.0.transformer_blocks.9.norm3.weight"));
  EXPECT_TRUE(params.contains("up_blocks.0.attentions.2.transformer_blocks.9.attn1.to_out.0.weight"));
  EXPECT_FALSE(params.contains("up_blocks.2.attentions.0.norm.weight"));
  EXPECT_EQ(params["down_blocks.2.attentions.0.proj_in.weight"].sizes(), (std::vector<int64_t>{1280, 1280}));
  EXPECT_EQ(params["down_blocks.2.attentions.0.transformer_blocks.0.attn2.to_k.weight"].sizes(),
            (std::vector<int64_t>{1280, 2048}));
  auto refiner = UNet2DConditionModel(unet_config_sdxl_refiner(), kEmpty)->named_parameters(true);
  EXPECT_EQ(refiner["add_embedding.linear_1.weight"].sizes(), (std::vector<int64_t>{1536, 2560}));
  EXPECT_FALSE(refiner.contains("down_blocks.3.attentions.0.norm.weight"));
  EXPECT_TRUE(refiner.contains("mid_block.attentions.0.transformer_blocks.3.attn2.to_v.weight"));
}

// stabilityai/stable-diffusion-xl-base-1.0 unet/config.json as published.
const char* kSdxlUnetJson = R"({
  "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.19.0.dev0", "act_fn": "silu",
  "addition_embed_type": "text_time", "addition_embed_type_num_heads": 64, "addition_time_embed_dim": 256,
  "attention_head_dim": [5, 10, 20], "block_out_channels": [320, 640, 1280], "center_input_sample": false,
  "class_embed_type": null, "class_embeddings_concat": false, "conv_in_kernel": 3, "conv_out_kernel": 3,
  "cross_attention_dim": 2048, "cross_attention_norm": null,
  "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
  "downsample_padding": 1, "dual_cross_attention": false, "encoder_hid_dim": null, "encoder_hid_dim_type": null,
  "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
  "mid_block_only_cross_attention": null, "mid_block_scale_factor": 1, "mid_block_type": "UNetMidBlock2DCrossAttn",
  "norm_eps": 1e-05, "norm_num_groups": 32, "num_attention_heads": null, "num_class_embeds": null,
  "only_cross_attention": false, "out_channels": 4, "projection_class_embeddings_input_dim": 2816,
  "resnet_out_scale_factor": 1.0, "resnet_skip_time_act": false, "resnet_time_scale_shift": "default",
  "sample_size": 128, "time_cond_proj_dim": null, "time_embedding_act_fn": null, "time_embedding_dim": null,
  "time_embedding_type": "positional", "timestep_post_act": null, "transformer_layers_per_block": [1, 2, 10],
  "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "upcast_attention": null,
  "use_linear_projection": true
})";

void expect_same(const UNetConfig& a, const UNetConfig& b) {
  EXPECT_EQ(unet_config_to_json(a).dump(), unet_config_to_json(b).dump());
}

TEST(SdxlUnet, PublishedConfigParsesToThePreset) {
  expect_same(parse_unet_config(nlohmann::json::parse(kSdxlUnetJson), "sdxl"), unet_config_sdxl());
  for (const auto& c : {unet_config_sdxl(), unet_config_sdxl_refiner(), unet_config_sdxl_tiny()})
    expect_same(parse_unet_config(unet_config_to_json(c), "round trip"), c);
  auto j = nlohmann::json::parse(kSdxlUnetJson);
  j["addition_embed_type"] = "image";
  EXPECT_THROW(parse_unet_config(j, "x"), InputError);
  j["addition_embed_type"] = "text_time";
  j["projection_class_embeddings_input_dim"] = 256;
  EXPECT_THROW(parse_unet_config(j, "x"), InputError);
}

struct TinyInputs {
  torch::Tensor x, t, context, pooled, time_ids;
};

TinyInputs tiny_inputs(int64_t b) {
  torch::manual_seed(3);
  return {torch::randn({b, 4, 8, 8}), torch::tensor({10.0f, 700.0f}).narrow(0, 0, b), torch::randn({b, 5, 24}),
          torch::randn({b, 8}), torch::tensor({{64.0f, 64.0f, 0.0f, 0.0f, 64.0f, 64.0f}}).repeat({b, 1})};
}

TEST(SdxlUnet, TinyForwardReadsPooledEmbeddingAndTimeIds) {
  UNet2DConditionModel unet(unet_config_sdxl_tiny(), kEmpty);
  init_random_weights(*unet, 11);
  torch::NoGradGuard ng;
  const auto in = tiny_inputs(2);
  const auto y = unet->forward(in.x, in.t, in.context, in.pooled, in.time_ids);
  EXPECT_EQ(y.sizes(), in.x.sizes());
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  // Each input moves the output: a crop offset, a different pooled embedding, the context.
  auto cropped = in.time_ids.clone();
  cropped.select(1, 2).fill_(16.0f);
  EXPECT_GT((unet->forward(in.x, in.t, in.context, in.pooled, cropped) - y).abs().max().item<double>(), 1e-6);
  EXPECT_GT((unet->forward(in.x, in.t, in.context, in.pooled * 2, in.time_ids) - y).abs().max().item<double>(), 1e-6);
  EXPECT_GT((unet->forward(in.x, in.t, in.context * 2, in.pooled, in.time_ids) - y).abs().max().item<double>(), 1e-6);
  // Rows stay independent: row 1 alone equals row 1 of the batch.
  const auto one = unet->forward(in.x.narrow(0, 1, 1), in.t.narrow(0, 1, 1), in.context.narrow(0, 1, 1),
                                 in.pooled.narrow(0, 1, 1), in.time_ids.narrow(0, 1, 1));
  EXPECT_LT((one - y.narrow(0, 1, 1)).abs().max().item<double>(), 1e-5);
}

TEST(SdxlUnet, MissingOrMisshapedAddedInputsAreRefused) {
  UNet2DConditionModel unet(unet_config_sdxl_tiny(), kEmpty);
  init_random_weights(*unet, 11);
  torch::NoGradGuard ng;
  const auto in = tiny_inputs(2);
  EXPECT_THROW(unet->forward(in.x, in.t, in.context), InputError);
  EXPECT_THROW(unet->forward(in.x, in.t, in.context, in.pooled, in.time_ids.narrow(1, 0, 5)), InputError);
  EXPECT_THROW(unet->forward(in.x, in.t, in.context, in.pooled.narrow(0, 0, 1), in.time_ids.narrow(0, 0, 1)),
               InputError);
  UNet2DConditionModel plain(unet_config_tiny(), kEmpty);
  init_random_weights(*plain, 11);
  EXPECT_THROW(plain->forward(in.x, in.t, torch::randn({2, 5, 16}), in.pooled, in.time_ids), InputError);
}

}  // namespace
}  // namespace drf
