// DRiffusion draft options (core/sampling/sampler.h, DraftOptions; measured in docs/fidelity.md):
// the second-order draft extrapolates the anchor's x0 estimate in lambda and is exact to a
// higher order than holding it; the low-pass transfer of stochastic solvers moves the coarse
// part of (refined - draft) as a noise prediction and holds the rest; width 1 is untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "core/sampling/sampler.h"
#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

const std::vector<int64_t> kShape = {1, 3, 8, 8};

std::unique_ptr<Sampler> make(SamplerKind kind, int steps, Sampler::DraftOptions draft) {
  SamplerOptions o;
  o.kind = kind;
  o.steps = steps;
  o.seed = 11;
  o.state_shape = kShape;
  o.state_options = torch::TensorOptions().dtype(torch::kFloat64);
  o.draft = draft;
  return make_sampler(NoiseSchedule(ScheduleConfig{}), o);
}

}  // namespace

// With an estimate linear in lambda, D(l) = a + b l, the data-prediction ODE has the exact
// solution x_t = (s_t / s_s) x_s + s_t [e^l (a + b (l - 1))] from l_s to l_t. Both draft orders
// take the solver's step i -> i+1 with D(l_i); the jump i+1 -> i+k then holds D(l_i) (error
// O(h^2)) or extrapolates the line through the previous estimate, which is exact for such a D.
TEST(DraftOptions, SecondOrderDraftIsExactForAnEstimateLinearInLambda) {
  auto first = make(SamplerKind::DDIM, 25, {1, 0.0, false});
  auto second = make(SamplerKind::DDIM, 25, {2, 0.0, false});
  const auto a = torch::randn(kShape, torch::kFloat64), b = torch::randn(kShape, torch::kFloat64) * 0.3;
  auto D = [&](int i) { return a + b * first->lambda(i); };
  for (int i : {3, 8, 14}) {
    for (int k : {2, 3, 4}) {
      const auto x = torch::randn(kShape, torch::kFloat64) * first->sigma(i) + D(i) * first->alpha(i);
      SolverHistory h;
      h.push(i - 1, D(i - 1), x);
      const auto d1 = first->draft(x, D(i), i, k, h);
      const auto d2 = second->draft(x, D(i), i, k, h);
      // Exact jump i+1 -> i+k from the common state after the first step.
      SolverHistory scratch = h;
      const auto y = first->step(x, D(i), i, scratch);
      const int s = i + 1, t = i + k;
      auto prim = [&](int j) {
        const double l = first->lambda(j);
        return (a + b * (l - 1.0)) * std::exp(l);
      };
      const auto exact = y * (first->sigma(t) / first->sigma(s)) + (prim(t) - prim(s)) * first->sigma(t);
      const double e1 = (d1 - exact).abs().max().item<double>(), e2 = (d2 - exact).abs().max().item<double>();
      EXPECT_GT(e1, 1e-3) << "anchor " << i << " k " << k;  // holding D is visibly wrong ...
      EXPECT_LT(e2, 1e-9) << "anchor " << i << " k " << k << ": first order " << e1 << ", second " << e2;
    }
  }
}

TEST(DraftOptions, SecondOrderDraftOfOneStepIsStillTheStep) {
  for (const SamplerInfo& info : sampler_registry()) {
    auto s = make(info.kind, 20, {2, 0.0, true});
    SolverHistory h;
    auto x = torch::randn(kShape, torch::kFloat64);
    for (int i = 0; i < 20; ++i) {
      const auto d = torch::randn(kShape, torch::kFloat64);
      const auto drafted = s->draft(x, d, i, 1, h);
      const auto stepped = s->step(x, d, i, h);
      ASSERT_TRUE(torch::equal(drafted, stepped)) << info.name << " step " << i;
      x = stepped;
    }
  }
}

TEST(DraftOptions, LowPassTransferMovesTheCoarsePartOnly) {
  auto s = make(SamplerKind::DDPM, 25, {1, 0.0, true});
  const int i = 10;
  const auto est = torch::randn(kShape, torch::kFloat64), draft = torch::randn(kShape, torch::kFloat64);
  // A difference constant on each 4x4 block moves fully (as a noise prediction) ...
  const auto coarse = torch::randn({1, 3, 2, 2}, torch::kFloat64).repeat_interleave(4, 2).repeat_interleave(4, 3);
  EXPECT_TRUE(torch::allclose(s->transfer(est, draft, draft + coarse, i), est + coarse / s->alpha(i), 1e-12, 1e-12));
  // ... one with zero mean on every block is held ...
  auto fine = torch::randn(kShape, torch::kFloat64);
  fine = fine - torch::avg_pool2d(fine, 4).repeat_interleave(4, 2).repeat_interleave(4, 3);
  EXPECT_TRUE(torch::allclose(s->transfer(est, draft, draft + fine, i), est, 1e-12, 1e-12));
  // ... and a state equal to its draft keeps the estimate bit for bit (width 1).
  EXPECT_TRUE(torch::equal(s->transfer(est, draft, draft, i), est));
  // Deterministic solvers always move the whole difference.
  auto ddim = make(SamplerKind::DDIM, 25, {1, 0.0, true});
  EXPECT_TRUE(torch::allclose(ddim->transfer(est, draft, draft + fine, i), est + fine / ddim->alpha(i), 1e-12, 1e-12));
}

TEST(DraftOptions, EnvironmentChoicesAreCheckedByName) {
  SamplerOptions o;
  o.kind = SamplerKind::DDPM;
  o.steps = 10;
  o.state_shape = kShape;
  ::setenv("DRIFFUSION_DRAFT_ORDER", "3", 1);
  EXPECT_THROW(make_sampler(NoiseSchedule(ScheduleConfig{}), o), UsageError);
  ::setenv("DRIFFUSION_DRAFT_ORDER", "2", 1);
  ::setenv("DRIFFUSION_STOCHASTIC_TRANSFER", "1.5", 1);
  EXPECT_THROW(make_sampler(NoiseSchedule(ScheduleConfig{}), o), UsageError);
  ::setenv("DRIFFUSION_STOCHASTIC_TRANSFER", "lowpass", 1);
  auto s = make_sampler(NoiseSchedule(ScheduleConfig{}), o);
  EXPECT_EQ(s->draft_options().draft_order, 2);
  EXPECT_TRUE(s->draft_options().lowpass_transfer);
  ::unsetenv("DRIFFUSION_DRAFT_ORDER");
  ::unsetenv("DRIFFUSION_STOCHASTIC_TRANSFER");
}
