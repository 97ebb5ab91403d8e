// The planner's latency accounting equals docs/method.md's procedure and closed forms.
#include <gtest/gtest.h>

#include "core/sampling/draft_plan.h"
#include "core/util/errors.h"

using namespace drf;

TEST(DraftPlan, MethodExamples) {
  EXPECT_EQ(plan_draft_refine(50, 2, Mode::Aggressive).serial_latencies(), 26);
  EXPECT_EQ(plan_draft_refine(50, 4, Mode::Aggressive).serial_latencies(), 14);
  EXPECT_EQ(plan_draft_refine(50, 2, Mode::Conservative).serial_latencies(), 34);
  EXPECT_EQ(plan_draft_refine(50, 4, Mode::Conservative).serial_latencies(), 20);
  EXPECT_EQ(plan_draft_refine(50, 1, Mode::Sequential).serial_latencies(), 50);
}

TEST(DraftPlan, LatenciesEqualTheFormulas) {
  for (int steps : {10, 20, 28, 50}) {
    for (int n = 1; n <= 8; ++n) {
      auto a = plan_draft_refine(steps, n, Mode::Aggressive);
      auto c = plan_draft_refine(steps, n, Mode::Conservative);
      EXPECT_EQ(a.serial_latencies(), aggressive_latencies_formula(steps, n)) << steps << " " << n;
      EXPECT_EQ(c.serial_latencies(), conservative_latencies_formula(steps, n)) << steps << " " << n;
    }
  }
}

TEST(DraftPlan, RoundsCoverEveryStepOnce) {
  for (Mode mode : {Mode::Sequential, Mode::Conservative, Mode::Aggressive}) {
    for (int steps : {1, 2, 7, 28, 50}) {
      for (int n = 1; n <= std::min(steps, 8); ++n) {
        auto p = plan_draft_refine(steps, n, mode);
        int i = 0;
        for (const auto& r : p.rounds) {
          ASSERT_EQ(r.anchor, i);
          ASSERT_GE(r.advance, 1);
          for (int j : r.draft_offsets) ASSERT_LT(r.anchor + j, steps);  // drafts are real states
          // Refining needs an estimate for every state it steps from.
          ASSERT_GE(static_cast<int>(r.draft_offsets.size()), r.advance - 1);
          i += r.advance;
        }
        ASSERT_EQ(i, steps);
        // Only aggressive rounds after the first skip the exact evaluation, and each such
        // round inherits the previous round's carried estimate.
        for (std::size_t k = 1; k < p.rounds.size(); ++k)
          if (!p.rounds[k].exact_eval) ASSERT_TRUE(p.rounds[k - 1].carries_anchor_noise());
      }
    }
  }
}

TEST(DraftPlan, IdealRatiosForLongRuns) {
  // Aggressive approaches 1/n and conservative 2/(n+1) of the sequential latency.
  auto a = plan_draft_refine(1000, 4, Mode::Aggressive);
  auto c = plan_draft_refine(1000, 4, Mode::Conservative);
  EXPECT_NEAR(a.theoretical_speedup(), 4.0, 0.02);
  EXPECT_NEAR(c.theoretical_speedup(), 2.5, 0.01);
}

TEST(DraftPlan, RejectsAbsurdWidths) {
  EXPECT_THROW(plan_draft_refine(10, 0, Mode::Aggressive), UsageError);
  EXPECT_THROW(plan_draft_refine(10, 11, Mode::Conservative), UsageError);
  EXPECT_THROW(plan_draft_refine(0, 1, Mode::Sequential), UsageError);
  EXPECT_NO_THROW(plan_draft_refine(10, 99, Mode::Sequential));  // width is ignored
}

TEST(DraftPlan, WarmupRunsTheFirstStepsOnePerLatency) {
  for (Mode mode : {Mode::Aggressive, Mode::Conservative}) {
    for (int steps : {1, 2, 7, 25, 50}) {
      for (int n = 1; n <= std::min(steps, 6); ++n) {
        for (int w : {0, 1, 2, 3, steps}) {
          if (w > steps) continue;
          const auto p = plan_draft_refine(steps, n, mode, w);
          EXPECT_EQ(p.warmup, w);
          EXPECT_EQ(p.serial_latencies(), mode == Mode::Aggressive ? aggressive_latencies_formula(steps, n, w)
                                                                    : conservative_latencies_formula(steps, n, w))
              << steps << " " << n << " " << w;
          int i = 0;
          for (std::size_t k = 0; k < p.rounds.size(); ++k) {
            const auto& r = p.rounds[k];
            ASSERT_EQ(r.anchor, i);
            if (i < w) {  // one step, its estimate exact: evaluated, or the offset-1 draft (= the refined state)
              EXPECT_EQ(r.advance, 1);
              EXPECT_LE(r.draft_offsets.size(), 1u);
              EXPECT_TRUE(r.exact_eval || (k > 0 && p.rounds[k - 1].draft_offsets == std::vector<int>{1}));
            }
            for (int j : r.draft_offsets) ASSERT_LT(r.anchor + j, steps);
            ASSERT_GE(static_cast<int>(r.draft_offsets.size()), r.advance - 1);
            if (!r.exact_eval) ASSERT_TRUE(k > 0 && p.rounds[k - 1].carries_anchor_noise());
            i += r.advance;
          }
          ASSERT_EQ(i, steps);
        }
      }
    }
  }
  // Width 1 is the sequential sampler's latency count with or without a warm-up.
  EXPECT_EQ(plan_draft_refine(25, 1, Mode::Aggressive, 2).serial_latencies(), 25);
  // The cost: 25 steps, aggressive width 3: 9 latencies, 10 with one warm-up step, 11 with two.
  EXPECT_EQ(plan_draft_refine(25, 3, Mode::Aggressive, 0).serial_latencies(), 9);
  EXPECT_EQ(plan_draft_refine(25, 3, Mode::Aggressive, 1).serial_latencies(), 10);
  EXPECT_EQ(plan_draft_refine(25, 3, Mode::Aggressive, 2).serial_latencies(), 11);
  EXPECT_EQ(plan_draft_refine(10, 4, Mode::Sequential, 99).warmup, 0);  // ignored
  EXPECT_THROW(plan_draft_refine(10, 2, Mode::Aggressive, -1), UsageError);
  EXPECT_THROW(plan_draft_refine(10, 2, Mode::Conservative, 11), UsageError);
}
