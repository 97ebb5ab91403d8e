// Base -> refiner (core/engine/refiner_switch.h) on the tiny SDXL base and refiner: the switch
// sends each row to the network its timestep belongs to with that network's own conditioning,
// and the engine runs base + refiner in sequential and DRiffusion modes.
#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/engine/refiner_switch.h"
#include "core/util/errors.h"

namespace drf {
namespace {

std::unique_ptr<Pipeline> tiny(const std::string& source) {
  PipelineRequest r;
  r.source = source;
  return load_pipeline(r);
}

TEST(RefinerSwitch, SwitchTimestepIsDiffusersDenoisingEnd) {
  EXPECT_EQ(refiner_switch_timestep(0.8, 1000), 200.0);
  EXPECT_EQ(refiner_switch_timestep(0.5, 1000), 500.0);
}

TEST(RefinerSwitch, EachRowGoesToItsNetworkWithItsConditioning) {
  auto base = tiny("random:sdxl-tiny");
  auto refiner = tiny("random:sdxl-refiner-tiny");
  std::vector<std::string> warnings;
  const auto shape = base->state_shape(0, 0);
  Conditioning bc = base->encode("a red fox", "", 5.0, 0, warnings);
  Conditioning rc = refiner->encode("a red fox", "", 5.0, 0, warnings);
  base->condition_on_size(bc, shape, GenerationSettings{});
  refiner->condition_on_size(rc, shape, GenerationSettings{});
  const ConditioningTensors both = with_refiner_conditioning(bc.cond, rc.cond);
  EXPECT_EQ(base_part(both).named().size(), bc.cond.named().size());
  EXPECT_TRUE(torch::equal(refiner_part(both).context, rc.cond.context));
  EXPECT_EQ(refiner_part(both).time_ids.size(1), 5);  // the refiner's aesthetic-score ids

  RefinerSwitchDenoiser sw(std::shared_ptr<Denoiser>(&base->denoiser(), [](Denoiser*) {}),
                           std::shared_ptr<Denoiser>(&refiner->denoiser(), [](Denoiser*) {}), 200.0);
  torch::manual_seed(1);
  const auto x = torch::randn({4, shape[1], shape[2], shape[3]});
  const auto t = torch::tensor({999.0f, 200.0f, 199.0f, 0.0f});
  const auto c4 = both.repeat_rows(4);
  torch::NoGradGuard ng;
  const auto y = sw.forward(x, t, c4);
  for (int64_t i = 0; i < 4; ++i) {
    const bool on_base = i < 2;
    Denoiser& d = on_base ? base->denoiser() : refiner->denoiser();
    const ConditioningTensors& own = on_base ? bc.cond : rc.cond;
    const auto yi = d.forward(x.narrow(0, i, 1), t.narrow(0, i, 1), own);
    // One row alone vs the same row within a batch of two: the same arithmetic up to the
    // batch-dependent blocking of the BLAS/conv kernels (fp32 rounding of the same sums).
    EXPECT_TRUE(torch::allclose(y.narrow(0, i, 1), yi, 1e-4, 1e-5)) << "row " << i;
    // ... and not the other network's output.
    Denoiser& other = on_base ? refiner->denoiser() : base->denoiser();
    const auto wrong = other.forward(x.narrow(0, i, 1), t.narrow(0, i, 1), on_base ? rc.cond : bc.cond);
    EXPECT_FALSE(torch::allclose(y.narrow(0, i, 1), wrong, 1e-3, 1e-3)) << "row " << i;
  }
  // Every row on one side: that network alone, bit for bit.
  const auto all_base = torch::full({4}, 500.0f);
  EXPECT_TRUE(torch::equal(sw.forward(x, all_base, c4), base->denoiser().forward(x, all_base, bc.cond.repeat_rows(4))));
}

GenerationSettings refiner_settings() {
  GenerationSettings s;
  s.model = "random:sdxl-tiny";
  s.prompt = "a lighthouse at dusk";
  s.seed = 11;
  s.steps = 10;
  s.guidance = 5.0;
  s.refiner = "random:sdxl-refiner-tiny";
  s.refiner_switch = 0.6;
  return s;
}

TEST(RefinerSwitch, EngineRunsBaseThenRefinerSequentialAndDriffusion) {
  Engine engine;
  GenerationSettings base_only = refiner_settings();
  base_only.refiner.clear();
  const auto plain = engine.generate(base_only, {});
  const auto seq = engine.generate(refiner_settings(), {});
  ASSERT_EQ(seq.image.pixels.size(), plain.image.pixels.size());
  EXPECT_NE(seq.image.pixels, plain.image.pixels);  // the refiner denoised the last steps
  // The switch at the very end (refiner_switch close to 1) leaves no step to the refiner: the
  // base-only image bit for bit (the same calls with the same conditioning).
  GenerationSettings late = refiner_settings();
  late.refiner_switch = 0.9999;
  EXPECT_EQ(engine.generate(late, {}).image.pixels, plain.image.pixels);
  // DRiffusion: width 1 is the sequential sampler; width 3 runs drafts on both sides of the switch.
  GenerationSettings d = refiner_settings();
  d.mode = Mode::Conservative;
  d.width = 1;
  EXPECT_EQ(engine.generate(d, {}).image.pixels, seq.image.pixels);
  d.width = 3;
  const auto wide = engine.generate(d, {});
  EXPECT_EQ(wide.stats.width, 3);
  EXPECT_LT(wide.stats.serial_latencies, d.steps);
  d.mode = Mode::Aggressive;
  EXPECT_NO_THROW(engine.generate(d, {}));
}

TEST(RefinerSwitch, RefusesAnotherLatentSpaceAndBadFractions) {
  Engine engine;
  GenerationSettings s = refiner_settings();
  s.refiner = "builtin";  // pixel space: other latents than SDXL's
  EXPECT_THROW(engine.generate(s, {}), Error);
  s = refiner_settings();
  s.refiner_switch = 1.0;
  EXPECT_THROW(validate_settings(s), UsageError);
  s.refiner_switch = 0.0;
  EXPECT_THROW(validate_settings(s), UsageError);
}

}  // namespace
}  // namespace drf
