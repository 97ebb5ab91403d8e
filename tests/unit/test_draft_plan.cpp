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
