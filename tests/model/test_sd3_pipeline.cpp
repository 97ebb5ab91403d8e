// SD3 end to end on random:sd3-tiny through drf::Engine (CLIP-L + bigG + T5 conditioning,
// flow-matching sampling with the shifted sigmas, DRiffusion by the flow skip, CFG, the
// 16-channel VAE), its encoding rules, previews, size limits, and the presets' checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/models/nn/layers.h"
#include "core/models/sd3/sd3_pipeline.h"
#include "core/sampling/noise_levels.h"
#include "core/util/errors.h"
#include "tests/model/family_engine_checks.h"

namespace drf {
namespace {

TEST(Sd3PipelineEngine, SequentialAndDriffusionRunsProduceImages) {
  // Width 1 equals sequential with SD3's joint context and pooled text too; a non-square size reaches the
  // conditioning (tests/model/family_engine_checks.h).
  test::expect_tiny_family_runs_through_the_engine("random:sd3-tiny", 96, 48);
}

std::unique_ptr<Sd3Pipeline> tiny_pipeline() {
  PipelineRequest req;
  req.source = "random:sd3-tiny";
  return make_random_sd3_pipeline("sd3-tiny", req);
}

TEST(Sd3Pipeline, EncodeGivesJointContextAndPooledTextAndEncodesTheEmptyNegative) {
  auto p = tiny_pipeline();
  EXPECT_EQ(p->summary().architecture, "sd3-tiny");
  EXPECT_EQ(p->summary().parameter_counts.size(), 5u);  // transformer, 3 text encoders, VAE
  std::vector<std::string> warnings;
  Conditioning c = p->encode("a lighthouse", "", 7.0, 0, warnings);
  EXPECT_EQ(c.cond.context.sizes(), (std::vector<int64_t>{1, 77 + 16, 32}));
  EXPECT_EQ(c.cond.pooled.sizes(), (std::vector<int64_t>{1, 24}));
  // diffusers' StableDiffusion3Pipeline encodes "" for the negative prompt: not zeros.
  EXPECT_GT(c.uncond.context.abs().max().item<float>(), 0.0f);
  EXPECT_GT(c.uncond.pooled.abs().max().item<float>(), 0.0f);
  EXPECT_FALSE(torch::equal(c.uncond.context, c.cond.context));
  Conditioning plain = p->encode("a lighthouse", "", 1.0, 0, warnings);
  EXPECT_FALSE(plain.uncond.defined());
  EXPECT_TRUE(torch::equal(plain.cond.context, c.cond.context));
  // The denoiser takes both tensors and returns a velocity of the latent's shape.
  auto x = torch::randn({2, 16, 8, 8});
  auto v = p->denoiser().forward(x, torch::tensor({1000.0f, 500.0f}),
                                 ConditioningTensors::cat({c.cond, c.uncond}));
  EXPECT_EQ(v.sizes(), x.sizes());
  EXPECT_EQ(p->denoiser().prediction_type(), PredictionType::FlowVelocity);
  ConditioningTensors no_pooled = c.cond;
  no_pooled.pooled = torch::Tensor();
  EXPECT_THROW(p->denoiser().forward(x.narrow(0, 0, 1), torch::tensor({1.0f}), no_pooled), UsageError);
}

TEST(Sd3Pipeline, ScheduleIsDiffusersShiftedFlowSigmas) {
  auto p = tiny_pipeline();
  const ScheduleConfig sc = p->schedule_config();
  EXPECT_TRUE(sc.flow_matching);
  EXPECT_EQ(sc.shift, 3.0);
  // FlowMatchEulerDiscreteScheduler.set_timesteps(28): t = linspace(1000, shifted(1/1000) * 1000, 28),
  // sigma = 3 s / (1 + 2 s) of s = t / 1000 (the low end shifted twice, as diffusers does), then 0.
  const NoiseLevels L = make_noise_levels(NoiseSchedule(sc), 28, ScheduleKind::Default, StateSpace::VarianceExploding);
  auto shift = [](double s) { return 3.0 * s / (1.0 + 2.0 * s); };
  const double lo = shift(1.0 / 1000);
  ASSERT_EQ(L.sigma.size(), 29u);
  for (int i = 0; i < 28; ++i) {
    const double s = shift((1000.0 + i * (lo * 1000 - 1000.0) / 27) / 1000);
    EXPECT_NEAR(L.sigma[i], s, 1e-12) << i;
    EXPECT_NEAR(L.points[i].timestep, s * 1000, 1e-9) << i;
  }
  EXPECT_EQ(L.sigma.back(), 0.0);
}

TEST(Sd3Pipeline, PreviewUsesTheSd3LatentFactorsAndSizesFollowThePatchGrid) {
  auto p = tiny_pipeline();
  auto preview = p->preview(torch::zeros({2, 16, 3, 5}));
  EXPECT_EQ(preview.sizes(), (std::vector<int64_t>{2, 3, 3, 5}));
  EXPECT_NEAR(preview[0][0][0][0].item<float>(), (0.2394f + 1) / 2, 1e-6);  // ComfyUI SD3 bias
  EXPECT_NEAR(preview[1][2][2][4].item<float>(), (0.1925f + 1) / 2, 1e-6);
  auto one = torch::zeros({1, 16, 1, 1});
  one[0][15] = 1.0f;  // the last channel's row
  EXPECT_NEAR(p->preview(one)[0][1][0][0].item<float>(), (-0.1463f + 0.2135f + 1) / 2, 1e-6);
  EXPECT_EQ(p->state_shape(0, 0), (std::vector<int64_t>{1, 16, 8, 8}));
  EXPECT_EQ(p->state_shape(96, 48), (std::vector<int64_t>{1, 16, 6, 12}));
  EXPECT_THROW(p->state_shape(72, 64), UsageError);   // not a multiple of 16 (VAE 8 x patch 2)
  EXPECT_THROW(p->state_shape(208, 64), UsageError);  // 13 patches > the 12-patch table
  EXPECT_GT(p->activation_bytes_per_row({1, 16, 8, 8}), 0);
}

TEST(Sd3Pipeline, PresetsAreTheSd3ArchitecturesAndRefuseMismatches) {
  const Sd3ModelConfig m = sd3_preset("sd3-medium");
  EXPECT_EQ(m.native_image_size(), 1024);
  EXPECT_EQ(m.vae.latent_channels, 16);
  EXPECT_EQ(m.vae.scaling_factor, 1.5305);
  EXPECT_EQ(m.vae.shift_factor, 0.0609);
  EXPECT_FALSE(m.vae.use_quant_conv || m.vae.use_post_quant_conv);
  EXPECT_EQ(m.transformer.pooled_projection_dim, 2048);
  EXPECT_EQ(sd3_preset("sd35-large").transformer.num_layers, 38);
  EXPECT_EQ(sd3_preset("sd35-medium").transformer.dual_attention_layers.size(), 13u);
  Sd3ModelConfig c = sd3_preset("sd3-tiny");
  c.transformer.pooled_projection_dim = 16;
  EXPECT_THROW(c.validate("x"), InputError);
  c = sd3_preset("sd3-tiny");
  c.vae.latent_channels = 4;
  EXPECT_THROW(c.validate("x"), InputError);
  c = sd3_preset("sd3-tiny");
  c.schedule.flow_matching = false;
  EXPECT_THROW(c.validate("x"), InputError);
  EXPECT_THROW(sd3_preset("sd3-turbo"), UsageError);
  // The SD3 VAE: the SDXL VAE (83,653,863 parameters in diffusers, test_sdxl_pipeline) with 16
  // instead of 4 latent channels and no quant convs: encoder conv_out 512*9*32+32 (was 36,872),
  // decoder conv_in 16*512*9+512 (was 18,944), minus quant_conv 72 and post_quant_conv 20.
  EXPECT_EQ(83653863 - 36872 - 18944 - 72 - 20 + (512 * 9 * 32 + 32) + (16 * 512 * 9 + 512), 83819683);
  EXPECT_EQ(layers::parameter_count(*AutoencoderKL(m.vae, torch::TensorOptions().dtype(torch::kFloat32))), 83819683);
}

}  // namespace
}  // namespace drf
