// The SD3 job settings end to end on random:sd3-tiny: T5 off gives zero context rows (as diffusers
// without text_encoder_3) and says so; the flow shift override reaches the sampler's sigmas
// (shift s -> s' = shift s / (1 + (shift - 1) s)); T5 on the CPU runs the same path.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/models/sd3/sd3_pipeline.h"
#include "core/sampling/noise_levels.h"
#include "core/util/errors.h"
#include "tests/model/family_engine_checks.h"

namespace drf {
namespace {

std::unique_ptr<Sd3Pipeline> tiny_pipeline(const std::string& t5_device = "") {
  PipelineRequest req;
  req.source = "random:sd3-tiny";
  req.t5_device = t5_device;
  return make_random_sd3_pipeline("sd3-tiny", req);
}

bool has_warning(const std::vector<std::string>& warnings, const std::string& w) {
  return std::count(warnings.begin(), warnings.end(), w) == 1;
}

TEST(Sd3Settings, T5OffGivesZeroT5RowsKeepsTheClipRowsAndSaysSo) {
  auto p = tiny_pipeline();
  const int64_t clip_rows = 77, t5_rows = p->config().t5_tokens;
  std::vector<std::string> on_warnings, off_warnings;
  GenerationSettings s;
  p->set_text_options(s, on_warnings);
  const Conditioning on = p->encode("a lighthouse", "", 7.0, 0, on_warnings);
  EXPECT_TRUE(on_warnings.empty());
  EXPECT_GT(on.cond.context.narrow(1, clip_rows, t5_rows).abs().max().item<float>(), 0.0f);

  s.use_t5 = false;
  p->set_text_options(s, off_warnings);
  const Conditioning off = p->encode("a lighthouse", "", 7.0, 0, off_warnings);
  ASSERT_EQ(off.cond.context.sizes(), on.cond.context.sizes());
  for (const Conditioning* c : {&off})
    for (const auto& t : {c->cond.context, c->uncond.context})
      EXPECT_TRUE(torch::equal(t.narrow(1, clip_rows, t5_rows), torch::zeros_like(t.narrow(1, clip_rows, t5_rows))));
  // The CLIP rows and the pooled text do not depend on T5.
  EXPECT_TRUE(torch::equal(off.cond.context.narrow(1, 0, clip_rows), on.cond.context.narrow(1, 0, clip_rows)));
  EXPECT_TRUE(torch::equal(off.cond.pooled, on.cond.pooled));
  EXPECT_TRUE(torch::equal(off.uncond.context.narrow(1, 0, clip_rows), on.uncond.context.narrow(1, 0, clip_rows)));
  // One note, naming the user's choice rather than a missing encoder.
  EXPECT_TRUE(has_warning(off_warnings, kSd3T5OffWarning));
  EXPECT_EQ(std::count(off_warnings.begin(), off_warnings.end(), std::string(kSd3NoT5Warning)), 0);

  // Turning it back on restores T5's rows exactly.
  s.use_t5 = true;
  std::vector<std::string> again;
  p->set_text_options(s, again);
  EXPECT_TRUE(torch::equal(p->encode("a lighthouse", "", 7.0, 0, again).cond.context, on.cond.context));
}

TEST(Sd3Settings, T5OffThroughTheEngineChangesTheImageAndReportsIt) {
  Engine engine;
  GenerationSettings s = test::tiny_job("random:sd3-tiny", Mode::Sequential, 1);
  const auto on = engine.generate(s, nullptr);
  EXPECT_EQ(std::count(on.warnings.begin(), on.warnings.end(), std::string(kSd3T5OffWarning)), 0);
  s.use_t5 = false;
  const auto off = engine.generate(s, nullptr);
  EXPECT_TRUE(has_warning(off.warnings, kSd3T5OffWarning));
  EXPECT_NE(off.image_float, on.image_float);
  EXPECT_FALSE(off.settings.use_t5);  // stored with the image
  // The analytic model has no T5 and no flow schedule: both settings are named as ignored.
  GenerationSettings a;
  a.model = "analytic";
  a.prompt = "red";
  a.steps = 4;
  a.use_t5 = false;
  a.flow_shift = 2.0;
  const auto r = engine.generate(a, nullptr);
  auto mentions = [&](const char* text) {
    return std::any_of(r.warnings.begin(), r.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(mentions("has no T5 text encoder"));
  EXPECT_TRUE(mentions("flow shift applies to flow-matching models"));
}

TEST(Sd3Settings, ShiftOverrideChangesTheSigmasAsTheFormulaSays) {
  // The schedule the job builds: the model's config with the user's shift (sd3-tiny's config says 3).
  auto p = tiny_pipeline();
  ScheduleConfig sc = p->schedule_config();
  ASSERT_EQ(sc.shift, 3.0);
  const NoiseLevels base = make_noise_levels(NoiseSchedule(sc), 8, ScheduleKind::Default, StateSpace::VarianceExploding);
  sc.shift = 6.0;
  const NoiseLevels six = make_noise_levels(NoiseSchedule(sc), 8, ScheduleKind::Default, StateSpace::VarianceExploding);
  ASSERT_EQ(six.sigma.size(), 9u);
  // FlowMatchEulerDiscreteScheduler.set_timesteps(8) with shift 6: t = linspace(1000, shifted(1/1000) * 1000, 8),
  // sigma = 6 s / (1 + 5 s) of s = t / 1000, then 0.
  auto shift6 = [](double s) { return 6.0 * s / (1.0 + 5.0 * s); };
  const double lo = shift6(1.0 / 1000);
  for (int i = 0; i < 8; ++i) {
    EXPECT_NEAR(six.sigma[i], shift6((1000.0 + i * (lo * 1000 - 1000.0) / 7) / 1000), 1e-12) << i;
    if (i > 0) {
      EXPECT_GT(six.sigma[i], base.sigma[i]) << i;  // a larger shift keeps more noise longer
    }
  }
  EXPECT_EQ(six.sigma.back(), 0.0);

  // Through the engine: shift 3 given explicitly is the model's own schedule bit for bit; 6 differs.
  Engine engine;
  GenerationSettings s = test::tiny_job("random:sd3-tiny", Mode::Sequential, 1);
  const auto model_default = engine.generate(s, nullptr);
  s.flow_shift = 3.0;
  const auto explicit3 = engine.generate(s, nullptr);
  EXPECT_EQ(explicit3.image_float, model_default.image_float);
  s.flow_shift = 6.0;
  const auto shifted = engine.generate(s, nullptr);
  EXPECT_NE(shifted.image_float, model_default.image_float);
  EXPECT_EQ(shifted.settings.flow_shift, 6.0);
  // DRiffusion follows the same schedule: width 1 equals the sequential run at shift 6 too.
  s.mode = Mode::Aggressive;
  s.width = 1;
  EXPECT_EQ(engine.generate(s, nullptr).image_float, shifted.image_float);
}

TEST(Sd3Settings, T5OnTheCpuRunsTheSamePathAndGivesIdenticalOutput) {
  auto with_model = tiny_pipeline("");
  auto on_cpu = tiny_pipeline("cpu");
  EXPECT_TRUE(on_cpu->modules().text.t5_device.is_cpu());
  std::vector<std::string> w1, w2;
  const Conditioning a = with_model->encode("a red fox", "blurry", 5.0, 0, w1);
  const Conditioning b = on_cpu->encode("a red fox", "blurry", 5.0, 0, w2);
  EXPECT_TRUE(torch::equal(a.cond.context, b.cond.context));
  EXPECT_TRUE(torch::equal(a.uncond.context, b.uncond.context));

  Engine engine;
  GenerationSettings s = test::tiny_job("random:sd3-tiny", Mode::Aggressive, 2);
  const auto r1 = engine.generate(s, nullptr);
  s.t5_device = "cpu";
  const auto r2 = engine.generate(s, nullptr);
  EXPECT_EQ(r1.image_float, r2.image_float);
  EXPECT_EQ(r2.settings.t5_device, "cpu");
  // A device that is not one is refused by name before anything loads.
  s.t5_device = "gpu0";
  try {
    engine.generate(s, nullptr);
    FAIL() << "accepted T5 device gpu0";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("T5 device"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace drf
