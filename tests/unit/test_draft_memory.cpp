// The draft memory budget: how many drafts one network call may take (core/engine/draft_memory)
// and GuidedPredictor splitting a round's states into calls of at most that many, with the
// same estimates as one call.
#include <gtest/gtest.h>

#include "core/analytic/gaussian_mixture.h"
#include "core/engine/draft_memory.h"
#include "core/engine/settings.h"
#include "core/models/unet/unet_config.h"
#include "core/models/unet/unet_memory.h"
#include "core/sampling/guided_predictor.h"

namespace drf {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

TEST(DraftMemory, StatesPerCallFollowTheBudget) {
  EXPECT_EQ(max_states_per_call(0, 40 * kMiB, 2), 0) << "budget 0: no limit";
  EXPECT_EQ(max_states_per_call(256, 0, 2), 0) << "unknown cost: no limit";
  // One state takes 2 rows (guidance); 256 MB less the graph pool's 50 MB overhead buys 5
  // more rows of 40 MB: 7 rows = 3 whole states.
  EXPECT_EQ(max_states_per_call(256, 40 * kMiB, 2), 3);
  // 6 more rows of 34 MB: 8 rows = 4 states.
  EXPECT_EQ(max_states_per_call(256, 34 * kMiB, 2), 4);
  // Without guidance one row per state: 1 + 5.
  EXPECT_EQ(max_states_per_call(256, 40 * kMiB, 1), 6);
  // A budget smaller than one row, or than the overhead, still lets one state through per call.
  EXPECT_EQ(max_states_per_call(1, 100 * kMiB, 2), 1);
  EXPECT_EQ(max_states_per_call(40, 1 * kMiB, 2), 1);
  // Absurdly large budgets do not overflow.
  EXPECT_GT(max_states_per_call(1024 * 1024, 1, 2), 1000000);
}

TEST(DraftMemory, UNetEstimateGrowsWithLatentAreaAndWidth) {
  const auto sd15 = unet_config_sd15(), sd21 = unet_config_sd21();
  const int64_t sd15_512 = unet_activation_bytes_per_row(sd15, 64, 64, 2);
  EXPECT_GT(sd15_512, 0);
  EXPECT_EQ(unet_activation_bytes_per_row(sd15, 64, 64, 4), 2 * sd15_512) << "fp32 costs twice fp16";
  EXPECT_EQ(unet_activation_bytes_per_row(sd21, 96, 96, 2), sd15_512 * 9 / 4) << "768 px has 2.25x the tokens";
  EXPECT_EQ(unet_activation_bytes_per_row(sd15, 64, 128, 2), 2 * sd15_512);
  EXPECT_EQ(unet_activation_bytes_per_row(UNetConfig{}, 64, 64, 2), 0) << "no blocks: unknown";
  // The default budget: SD 2.1 at 768 px fits fewer drafts per call than SD 1.5 at 512 px.
  const int budget = GenerationSettings::kDefaultDraftMemoryMb;
  EXPECT_LT(max_states_per_call(budget, unet_activation_bytes_per_row(sd21, 96, 96, 2), 2),
            max_states_per_call(budget, sd15_512, 2));
}

// The analytic model's denoiser, counting the batch of every call.
class CountingDenoiser : public Denoiser {
 public:
  explicit CountingDenoiser(Denoiser& inner) : inner_(inner) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override {
    batches.push_back(x.size(0));
    return inner_.forward(x, t, c);
  }
  PredictionType prediction_type() const override { return inner_.prediction_type(); }
  std::vector<int64_t> batches;

 private:
  Denoiser& inner_;
};

TEST(DraftMemory, PredictorSplitsIntoBalancedCallsWithTheSameEstimates) {
  NoiseSchedule schedule{ScheduleConfig{}};
  GaussianMixture m = make_demo_mixture();
  GaussianMixtureDenoiser analytic(m, schedule);
  Conditioning c;
  c.cond = m.weights_for_prompt("red").to(torch::kFloat32).unsqueeze(0);
  c.uncond = m.weights.to(torch::kFloat32).unsqueeze(0);
  c.guidance = 3.0;
  torch::manual_seed(3);
  const auto states = torch::randn({5, 64, 48});
  std::vector<EvalPoint> points;
  for (int i = 0; i < 5; ++i) points.push_back({1.0, 900.0 - 100 * i, 0.1 + 0.15 * i});

  CountingDenoiser whole_counter(analytic);
  const auto whole = GuidedPredictor(whole_counter, c).predict(states, points);
  EXPECT_EQ(whole_counter.batches, (std::vector<int64_t>{10}));

  for (auto [limit, calls] : {std::pair<int, std::vector<int64_t>>{2, {4, 4, 2}},  // 5 states: 2 + 2 + 1
                              {3, {6, 4}},                                        // 3 + 2
                              {4, {6, 4}},                                        // balanced: 3 + 2, not 4 + 1
                              {5, {10}}}) {
    CountingDenoiser counter(analytic);
    GuidedPredictor limited(counter, c, limit);
    EXPECT_EQ(limited.max_states_per_call(), limit);
    const auto split = limited.predict(states, points);
    EXPECT_EQ(counter.batches, calls) << "at most " << limit << " states per call";
    // The mixture model computes in float64 and rounds its result to float32, so another batch
    // split (another BLAS blocking of the float64 sums) changes an estimate by at most one float32
    // rounding: 1.2e-7 relative, inside this bound on any CPU.
    EXPECT_TRUE(torch::allclose(split, whole, 1e-6, 1e-6)) << "at most " << limit << " states per call";
  }
}

}  // namespace
}  // namespace drf
