// SDXL end to end on random:sdxl-tiny through drf::Engine (two text encoders, pooled embedding
// and time ids through the sampler, decoding), its conditioning rules (penultimate states of
// both encoders, zeros for an empty negative prompt, size/crop time ids), previews, and the
// full-size text encoders' parameter counts.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/models/latent/latent_preview.h"
#include "core/models/nn/layers.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/util/errors.h"
#include "tests/model/family_engine_checks.h"

namespace drf {
namespace {

TEST(SdxlPipelineEngine, SequentialAndDriffusionRunsProduceImages) {
  // Width 1 equals sequential with the pooled embedding and time ids too; a non-square size reaches the
  // conditioning (tests/model/family_engine_checks.h).
  test::expect_tiny_family_runs_through_the_engine("random:sdxl-tiny", 96, 64);
}

std::unique_ptr<Pipeline> tiny_pipeline() {
  PipelineRequest req;
  req.source = "random:sdxl-tiny";
  return load_pipeline(req);
}

TEST(SdxlPipeline, EncodeGivesContextPooledAndTimeIds) {
  auto p = tiny_pipeline();
  EXPECT_EQ(p->summary().architecture, "sdxl-tiny");
  const auto counts = p->summary().parameter_counts;
  ASSERT_EQ(counts.size(), 4u);
  EXPECT_EQ(counts[2].first, "text_encoder_2");
  std::vector<std::string> warnings;
  Conditioning c = p->encode("a lighthouse", "", 7.0, 0, warnings);
  EXPECT_EQ(c.cond.context.sizes(), (std::vector<int64_t>{1, 77, 24}));  // 16 (L) + 8 (bigG)
  EXPECT_EQ(c.cond.pooled.sizes(), (std::vector<int64_t>{1, 8}));
  EXPECT_TRUE(torch::equal(c.cond.time_ids, torch::tensor({{64.0f, 64.0f, 0.0f, 0.0f, 64.0f, 64.0f}})));
  // force_zeros_for_empty_prompt: an empty negative prompt is zeros, not an encoded "".
  EXPECT_EQ(c.uncond.context.abs().max().item<float>(), 0.0f);
  EXPECT_EQ(c.uncond.pooled.abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::equal(c.uncond.time_ids, c.cond.time_ids));
  Conditioning n = p->encode("a lighthouse", "fog", 7.0, 0, warnings);
  EXPECT_GT(n.uncond.context.abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::equal(n.cond.context, c.cond.context));
  // The size of the image being made: (h, w) order, as diffusers' add_time_ids.
  p->condition_on_size(c, p->state_shape(96, 64), GenerationSettings{});
  EXPECT_TRUE(torch::equal(c.cond.time_ids, torch::tensor({{64.0f, 96.0f, 0.0f, 0.0f, 64.0f, 96.0f}})));
  EXPECT_TRUE(torch::equal(c.uncond.time_ids, c.cond.time_ids));
  // User-set original size, crop and target size (GenerationSettings) replace the defaults.
  GenerationSettings user;
  user.original_width = 2048;
  user.original_height = 1536;
  user.crop_left = 16;
  user.crop_top = 8;
  user.target_width = 1024;
  p->condition_on_size(c, p->state_shape(96, 64), user);
  EXPECT_TRUE(torch::equal(c.cond.time_ids, torch::tensor({{1536.0f, 2048.0f, 8.0f, 16.0f, 64.0f, 1024.0f}})));
  Conditioning plain = p->encode("a lighthouse", "", 1.0, 0, warnings);
  EXPECT_FALSE(plain.uncond.defined());
  EXPECT_TRUE(warnings.empty());
}

TEST(SdxlPipeline, ContextIsBothEncodersPenultimateStates) {
  PipelineRequest req;
  req.source = "random:sdxl-tiny";
  auto p = make_random_sdxl_pipeline("sdxl-tiny", req);
  std::vector<std::string> warnings;
  Conditioning c = p->encode("abc", "", 1.0, 0, warnings);
  torch::NoGradGuard ng;
  ByteLevelPromptTokenizer tok(1000);
  auto ids = torch::tensor(tok.encode("abc", 77).ids, torch::kLong).view({1, 77});
  auto l = p->modules().text_l->forward_penultimate(ids);
  auto g = p->modules().text_g->forward_penultimate(ids);
  EXPECT_TRUE(torch::equal(c.cond.context, torch::cat({l.hidden, g.hidden}, -1)));
  EXPECT_TRUE(torch::equal(c.cond.pooled, g.pooled));
  // Penultimate = not the final-LayerNormed last layer, and clip skip moves one layer down.
  EXPECT_FALSE(torch::allclose(l.hidden, p->modules().text_l->forward(ids)));
  EXPECT_FALSE(torch::equal(p->modules().text_g->forward_penultimate(ids, 1).hidden, g.hidden));
  EXPECT_THROW(p->modules().text_l->forward_penultimate(ids, 1), UsageError);  // 2 layers: none left
}

TEST(SdxlPipeline, RefinerTimeIdsCarryTheAestheticScore) {
  const SdxlModelConfig c = sdxl_preset("sdxl-refiner");
  EXPECT_FALSE(c.has_text_l);
  EXPECT_EQ(c.unet.cross_attention_dim, 1280);
  EXPECT_TRUE(torch::equal(sdxl_time_ids(c, {}, 1024, 768, false),
                           torch::tensor({{768.0f, 1024.0f, 0.0f, 0.0f, 6.0f}})));
  SdxlSizeConditioning crop;
  crop.crop_top = 32;
  crop.original_width = 2048;
  EXPECT_TRUE(torch::equal(sdxl_time_ids(c, crop, 1024, 768, true),
                           torch::tensor({{768.0f, 2048.0f, 32.0f, 0.0f, 2.5f}})));
  crop.aesthetic_score = 7.5;  // user-set (GenerationSettings::aesthetic_score)
  EXPECT_TRUE(torch::equal(sdxl_time_ids(c, crop, 1024, 768, false),
                           torch::tensor({{768.0f, 2048.0f, 32.0f, 0.0f, 7.5f}})));
}

TEST(SdxlPipeline, PresetsRefuseMismatchedComponents) {
  SdxlModelConfig c = sdxl_preset("sdxl-tiny");
  c.unet.cross_attention_dim = 16;
  EXPECT_THROW(c.validate("x"), InputError);
  c = sdxl_preset("sdxl-tiny");
  c.text_g.with_projection = false;
  EXPECT_THROW(c.validate("x"), InputError);
  c = sdxl_preset("sdxl-tiny");
  c.requires_aesthetics_score = true;  // 5 ids no longer make the UNet's 32 added features
  EXPECT_THROW(c.validate("x"), InputError);
  EXPECT_THROW(sdxl_preset("sdxl-turbo"), UsageError);
}

TEST(SdxlPipeline, PreviewUsesTheSdxlLatentFactors) {
  auto p = tiny_pipeline();
  auto zeros = torch::zeros({1, 4, 2, 2});
  auto preview = p->preview(zeros);
  // Zero latents show the SDXL bias: (0.1084 + 1) / 2 in red, unlike SD's plain grey.
  EXPECT_NEAR(preview[0][0][0][0].item<float>(), (0.1084f + 1) / 2, 1e-6);
  EXPECT_NEAR(latent_rgb_preview(zeros)[0][0][0][0].item<float>(), 0.5f, 1e-6);
}

// Reference counts: transformers CLIPTextModel (openai/clip-vit-large-patch14 text config) and
// CLIPTextModelWithProjection (SDXL text_encoder_2/config.json), sum of parameter numel
// (computed on the GPU machine, docs/sdxl.md).
TEST(SdxlPipeline, FullSizeTextEncoderParameterCountsMatchTransformers) {
  const torch::TensorOptions empty = torch::TensorOptions().dtype(torch::kFloat32);
  const SdxlModelConfig c = sdxl_preset("sdxl");
  EXPECT_EQ(layers::parameter_count(*ClipTextModel(c.text_l, empty)), 123060480);
  EXPECT_EQ(layers::parameter_count(*ClipTextModel(c.text_g, empty)), 694659840);
  EXPECT_EQ(layers::parameter_count(*AutoencoderKL(c.vae, empty)), 83653863);
}

}  // namespace
}  // namespace drf
