// Noise schedules and timestep spacing. Reference alpha products were computed independently
// in plain Python (double precision) from diffusers' schedule definitions; the timestep lists
// are diffusers' DDIMScheduler.set_timesteps results for SD 1.5's scheduler_config.
#include <gtest/gtest.h>

#include "core/sampling/noise_schedule.h"
#include "core/util/errors.h"

using namespace drf;

TEST(NoiseSchedule, ScaledLinearMatchesStableDiffusion) {
  NoiseSchedule s(ScheduleConfig{});
  EXPECT_NEAR(s.alpha_bar(0), 0.99915, 1e-12);
  EXPECT_NEAR(s.alpha_bar(500), 0.2763326838229746, 1e-12);
  EXPECT_NEAR(s.alpha_bar(999), 0.004660098513077236, 1e-12);
}

TEST(NoiseSchedule, LinearAndCosineSchedules) {
  ScheduleConfig c;
  c.beta_schedule = BetaSchedule::Linear;
  c.beta_start = 0.0001;
  c.beta_end = 0.02;
  NoiseSchedule lin(c);
  EXPECT_NEAR(lin.alpha_bar(0), 0.9999, 1e-9);
  EXPECT_NEAR(lin.alpha_bar(999), 4.0358297653756754e-05, 1e-15);  // DDPM paper schedule
  c.beta_schedule = BetaSchedule::SquaredCosCapV2;
  NoiseSchedule cos(c);
  // Cosine alpha_bar(t) ~ cos^2(((t+1)/T + s)/(1+s) * pi/2) / cos^2(s/(1+s) pi/2)
  const double f0 = std::pow(std::cos(0.008 / 1.008 * M_PI / 2), 2);
  const double f = std::pow(std::cos((0.5 + 0.008) / 1.008 * M_PI / 2), 2);
  EXPECT_NEAR(cos.alpha_bar(499), f / f0, 1e-6);
  for (int t = 1; t < 1000; ++t) ASSERT_LT(cos.alpha_bar(t), cos.alpha_bar(t - 1));
}

TEST(NoiseSchedule, LeadingSpacingWithOffset) {
  NoiseSchedule s(ScheduleConfig{});
  auto ts = s.timesteps(50);
  ASSERT_EQ(ts.size(), 50u);
  EXPECT_EQ(ts.front(), 981);
  EXPECT_EQ(ts[1], 961);
  EXPECT_EQ(ts.back(), 1);
}

TEST(NoiseSchedule, TrailingAndLinspaceSpacing) {
  ScheduleConfig c;
  c.spacing = TimestepSpacing::Trailing;
  c.steps_offset = 0;
  auto tr = NoiseSchedule(c).timesteps(50);
  EXPECT_EQ(tr.front(), 999);
  EXPECT_EQ(tr[1], 979);
  EXPECT_EQ(tr.back(), 19);
  c.spacing = TimestepSpacing::Linspace;
  auto ls = NoiseSchedule(c).timesteps(10);
  // numpy: linspace(0, 999, 10).round()[::-1] = 999, 888, 777, 666, 555, 444, 333, 222, 111, 0
  std::vector<int> expected = {999, 888, 777, 666, 555, 444, 333, 222, 111, 0};
  EXPECT_EQ(ls, expected);
}

TEST(NoiseSchedule, RejectsBadSettings) {
  NoiseSchedule s(ScheduleConfig{});
  EXPECT_THROW(s.timesteps(0), UsageError);
  EXPECT_THROW(s.timesteps(1001), UsageError);
  ScheduleConfig c;
  c.beta_start = 0.5;
  c.beta_end = 0.1;
  EXPECT_THROW(NoiseSchedule{c}, InputError);
  EXPECT_THROW(parse_beta_schedule("cosine_typo"), InputError);
  EXPECT_THROW(parse_prediction_type("x0"), InputError);
  EXPECT_EQ(parse_prediction_type("v_prediction"), PredictionType::VPrediction);
}
