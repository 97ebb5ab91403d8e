// Skip operators: skip(i -> i+1) is the ordinary step bit for bit, multi-step skips have the
// closed forms of docs/method.md, and the DDPM k-step posterior has the right marginal.
#include <gtest/gtest.h>

#include "core/sampling/ddim_sampler.h"
#include "core/sampling/ddpm_sampler.h"
#include "core/sampling/euler_sampler.h"
#include "core/sampling/step_noise.h"

using namespace drf;

namespace {

const std::vector<int64_t> kShape = {1, 3, 4, 4};

std::unique_ptr<Sampler> make(SamplerKind kind, int steps, double eta = 0, bool karras = false) {
  SamplerOptions o;
  o.kind = kind;
  o.steps = steps;
  o.eta = eta;
  o.karras_sigmas = karras;
  o.seed = 7;
  o.state_shape = kShape;
  o.state_options = torch::TensorOptions().dtype(torch::kFloat32);
  return make_sampler(NoiseSchedule(ScheduleConfig{}), o);
}

struct Case {
  SamplerKind kind;
  double eta;
  bool karras;
};

}  // namespace

TEST(Samplers, SkipOneEqualsStepBitForBit) {
  for (Case c : {Case{SamplerKind::DDIM, 0, false}, Case{SamplerKind::DDIM, 0.7, false},
                 Case{SamplerKind::DDPM, 0, false}, Case{SamplerKind::Euler, 0, false},
                 Case{SamplerKind::Euler, 0, true}}) {
    auto s = make(c.kind, 20, c.eta, c.karras);
    auto x = torch::randn(kShape);
    auto eps = torch::randn(kShape);
    for (int i = 0; i < 20; ++i) {
      auto a = s->step(x, eps, i);
      auto b = s->skip(x, eps, i, 1);
      ASSERT_TRUE(torch::equal(a, b)) << s->name() << " step " << i;
    }
  }
}

TEST(Samplers, DdimSkipIsComposableForAFixedEstimate) {
  // With eta = 0 and the same epsilon, DDIM keeps x0_hat fixed, so jumping k steps equals
  // taking k steps.
  auto s = make(SamplerKind::DDIM, 30);
  auto x = torch::randn(kShape, torch::kFloat64).to(torch::kFloat32);
  auto eps = torch::randn(kShape);
  auto walked = x;
  for (int j = 0; j < 5; ++j) walked = s->step(walked, eps, 10 + j);
  EXPECT_TRUE(torch::allclose(s->skip(x, eps, 10, 5), walked, 1e-5, 1e-5));
}

TEST(Samplers, DdimSkipClosedForm) {
  auto* s = dynamic_cast<DdimSampler*>(make(SamplerKind::DDIM, 50).release());
  std::unique_ptr<DdimSampler> owner(s);
  auto x = torch::randn(kShape, torch::kFloat64);
  auto eps = torch::randn(kShape, torch::kFloat64);
  const double ai = s->alpha_bar(3), aj = s->alpha_bar(9);
  auto x0 = (x - std::sqrt(1 - ai) * eps) / std::sqrt(ai);
  auto expected = std::sqrt(aj) * x0 + std::sqrt(1 - aj) * eps;
  EXPECT_TRUE(torch::allclose(s->skip(x, eps, 3, 6), expected, 1e-12, 1e-12));
  // The last state uses abar[0] (set_alpha_to_one = false in SD's scheduler config).
  EXPECT_NEAR(s->alpha_bar(50), NoiseSchedule(ScheduleConfig{}).alpha_bar(0), 1e-15);
}

TEST(Samplers, EulerSkipIsLinearInSigma) {
  auto s = make(SamplerKind::Euler, 25);
  auto* e = dynamic_cast<EulerSampler*>(s.get());
  auto x = torch::randn(kShape, torch::kFloat64);
  auto d = torch::randn(kShape, torch::kFloat64);
  auto expected = x + (e->sigma(12) - e->sigma(4)) * d;
  EXPECT_TRUE(torch::allclose(s->skip(x, d, 4, 8), expected, 1e-12, 1e-12));
  EXPECT_EQ(e->sigma(25), 0.0);
  // Karras sigmas run from the schedule's largest to smallest sigma.
  auto k = make(SamplerKind::Euler, 25, 0, true);
  auto* ek = dynamic_cast<EulerSampler*>(k.get());
  EXPECT_NEAR(ek->sigma(0), e->sigma(0), 1e-9);
  EXPECT_NEAR(ek->sigma(24), e->sigma(24), 1e-9);
  EXPECT_GT(ek->timestep(3), ek->timestep(4));
}

TEST(Samplers, DdpmKStepPosteriorHasTheRightMarginal) {
  // Fix x0; draw x_i ~ q(x_i | x0) and eps = the true noise (an exact predictor). Then the
  // k-step posterior sample must be distributed as q(x_{i+k} | x0) = N(sqrt(abar) x0, 1 - abar).
  const int steps = 40, i = 5, k = 7, n = 200000;
  DdpmSampler s(NoiseSchedule(ScheduleConfig{}), steps, 3, {n}, torch::TensorOptions().dtype(torch::kFloat64));
  const double x0v = 0.6, ai = s.alpha_bar(i), aj = s.alpha_bar(i + k);
  auto eps = torch::randn({n}, torch::kFloat64);
  auto xi = std::sqrt(ai) * x0v + std::sqrt(1 - ai) * eps;
  auto xj = s.skip(xi, eps, i, k);
  EXPECT_NEAR(xj.mean().item<double>(), std::sqrt(aj) * x0v, 0.01);
  EXPECT_NEAR(xj.var().item<double>(), 1 - aj, 0.01);
  auto p = s.posterior(i, k);
  EXPECT_GT(p.std, 0);
  // One step equals diffusers' DDPM posterior (variance_type fixed_small).
  auto p1 = s.posterior(i, 1);
  const double a1 = s.alpha_bar(i + 1), beta = 1 - ai / a1;
  EXPECT_NEAR(p1.std * p1.std, (1 - a1) / (1 - ai) * beta, 1e-15);
  EXPECT_NEAR(p1.c_x0, std::sqrt(a1) * beta / (1 - ai), 1e-15);
  EXPECT_NEAR(p1.c_x, std::sqrt(ai / a1) * (1 - a1) / (1 - ai), 1e-15);
}

TEST(StepNoise, IndexedByStepNotByCallOrder) {
  StepNoise a(11, {4}, torch::TensorOptions().dtype(torch::kFloat32));
  StepNoise b(11, {4}, torch::TensorOptions().dtype(torch::kFloat32));
  auto a5 = a.at(5).clone();
  b.at(9);
  b.at(2);
  EXPECT_TRUE(torch::equal(a5, b.at(5)));
  EXPECT_FALSE(torch::equal(a.at(5), a.at(6)));
  StepNoise c(12, {4}, torch::TensorOptions().dtype(torch::kFloat32));
  EXPECT_FALSE(torch::equal(a.at(5), c.at(5)));
}

TEST(StepNoise, SeededNoiseIsReproducible) {
  auto a = seeded_noise(42, {2, 3}, torch::TensorOptions());
  auto b = seeded_noise(42, {2, 3}, torch::TensorOptions());
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, seeded_noise(43, {2, 3}, torch::TensorOptions())));
}
