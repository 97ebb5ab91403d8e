// Solvers on the x0 estimate ("denoised"): the first-order skip has the closed forms of DDIM,
// Euler and flow Euler; draft(k = 1) is the step bit for bit; stochastic drafts add the same
// per-step noises the refine pass adds; the DDPM posterior has the right marginal; the
// multistep solvers keep their history in the value the caller passes.
#include <gtest/gtest.h>

#include "core/engine/settings.h"
#include "core/sampling/ddim_sampler.h"
#include "core/sampling/ddpm_sampler.h"
#include "core/sampling/euler_sampler.h"
#include "core/sampling/heun_sampler.h"
#include "core/sampling/fidelity_table.h"
#include "core/sampling/sampler_registry.h"
#include "core/sampling/step_noise.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

const std::vector<int64_t> kShape = {1, 3, 4, 4};

std::unique_ptr<Sampler> make(SamplerKind kind, int steps, double eta = 0, ScheduleKind sched = ScheduleKind::Default,
                              ScheduleConfig config = ScheduleConfig{}) {
  SamplerOptions o;
  o.kind = kind;
  o.steps = steps;
  o.eta = eta;
  o.schedule = sched;
  o.seed = 7;
  o.state_shape = kShape;
  o.state_options = torch::TensorOptions().dtype(torch::kFloat32);
  return make_sampler(NoiseSchedule(config), o);
}

ScheduleConfig flow_config(double shift) {
  ScheduleConfig c;
  c.flow_matching = true;
  c.shift = shift;
  c.prediction = PredictionType::FlowVelocity;
  return c;
}

}  // namespace

TEST(Samplers, DraftOfOneStepIsTheStepBitForBit) {
  for (const SamplerInfo& info : sampler_registry()) {
    for (double eta : {0.0, 0.7}) {
      if (eta > 0 && !info.takes_eta) continue;
      auto s = make(info.kind, 20, eta);
      SolverHistory h;
      auto x = torch::randn(kShape);
      for (int i = 0; i < 20; ++i) {
        auto d = torch::randn(kShape);
        auto drafted = s->draft(x, d, i, 1, h);
        auto stepped = s->step(x, d, i, h);
        ASSERT_TRUE(torch::equal(drafted, stepped)) << info.name << " eta " << eta << " step " << i;
        x = stepped;
      }
    }
  }
}

TEST(Samplers, FirstOrderSkipIsComposableForAFixedEstimate) {
  // The data-prediction exponential integrator keeps x0_hat fixed, so jumping k steps equals
  // taking k steps with the same estimate (DDIM eta 0 and Euler are this integrator).
  for (SamplerKind kind : {SamplerKind::DDIM, SamplerKind::Euler}) {
    auto s = make(kind, 30);
    auto x = torch::randn(kShape, torch::kFloat64);
    auto d = torch::randn(kShape, torch::kFloat64);
    auto walked = x;
    for (int j = 0; j < 5; ++j) walked = s->skip(walked, d, 10 + j, 1);
    EXPECT_TRUE(torch::allclose(s->skip(x, d, 10, 5), walked, 1e-12, 1e-12)) << sampler_info(kind).name;
  }
}

TEST(Samplers, DdimSkipClosedForm) {
  auto owner = make(SamplerKind::DDIM, 50);
  auto* s = dynamic_cast<DdimSampler*>(owner.get());
  ASSERT_NE(s, nullptr);
  auto x = torch::randn(kShape, torch::kFloat64);
  auto x0 = torch::randn(kShape, torch::kFloat64);
  const double ai = s->alpha_bar(3), aj = s->alpha_bar(9);
  auto eps = (x - std::sqrt(ai) * x0) / std::sqrt(1 - ai);
  auto expected = std::sqrt(aj) * x0 + std::sqrt(1 - aj) * eps;
  EXPECT_TRUE(torch::allclose(s->skip(x, x0, 3, 6), expected, 1e-12, 1e-12));
  // The last state uses abar[0] (set_alpha_to_one = false in SD's scheduler config).
  EXPECT_NEAR(s->alpha_bar(50), NoiseSchedule(ScheduleConfig{}).alpha_bar(0), 1e-15);
  // The training grid is used as it is: alpha_bar of state i is abar[tau_i].
  NoiseSchedule sched{ScheduleConfig{}};
  EXPECT_NEAR(s->alpha_bar(3), sched.alpha_bar(sched.timesteps(50)[3]), 1e-15);
}

TEST(Samplers, EulerSkipIsLinearInSigma) {
  auto s = make(SamplerKind::Euler, 25);
  auto x = torch::randn(kShape, torch::kFloat64);
  auto d = torch::randn(kShape, torch::kFloat64);
  auto expected = x + (s->sigma(12) - s->sigma(4)) * (x - d) / s->sigma(4);
  EXPECT_TRUE(torch::allclose(s->skip(x, d, 4, 8), expected, 1e-12, 1e-12));
  EXPECT_EQ(s->sigma(25), 0.0);
  EXPECT_TRUE(torch::allclose(s->skip(x, d, 24, 1), d, 0, 0));  // onto sigma 0: the estimate
  // Karras sigmas run from the schedule's largest to smallest sigma.
  auto k = make(SamplerKind::Euler, 25, 0, ScheduleKind::Karras);
  auto* ek = dynamic_cast<EulerSampler*>(k.get());
  EXPECT_NEAR(ek->sigma(0), s->sigma(0), 1e-9);
  EXPECT_NEAR(ek->sigma(24), s->sigma(24), 1e-9);
  EXPECT_GT(ek->timestep(3), ek->timestep(4));
}

TEST(Samplers, FlowEulerIsXPlusSigmaStepTimesVelocity) {
  auto s = make(SamplerKind::Euler, 10, 0, ScheduleKind::Default, flow_config(3.0));
  EXPECT_DOUBLE_EQ(s->sigma(0), 1.0);
  EXPECT_EQ(s->sigma(10), 0.0);
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(s->alpha(i), 1.0 - s->sigma(i));
  auto x = torch::randn(kShape, torch::kFloat64);
  auto v = torch::randn(kShape, torch::kFloat64);
  const int i = 3;
  auto d = x - s->sigma(i) * v;  // denoised of a flow model
  auto expected = x + (s->sigma(i + 2) - s->sigma(i)) * v;
  EXPECT_TRUE(torch::allclose(s->skip(x, d, i, 2), expected, 1e-12, 1e-12));
  // The shift moves the sigmas up: s' = 3 s / (1 + 2 s).
  auto unshifted = make(SamplerKind::Euler, 10, 0, ScheduleKind::Default, flow_config(1.0));
  const double s5 = unshifted->sigma(5);
  EXPECT_GT(s->sigma(5), s5);
  EXPECT_NEAR(unshifted->eval_point(5).timestep, s5 * 1000, 1e-9);
}

TEST(Samplers, FlowModelsRefuseSolversWithoutAFlowForm) {
  for (SamplerKind k : {SamplerKind::DDPM, SamplerKind::EulerAncestral, SamplerKind::DpmPP2MSde})
    EXPECT_THROW(make(k, 10, 0, ScheduleKind::Default, flow_config(3.0)), UsageError) << sampler_info(k).name;
  EXPECT_THROW(make(SamplerKind::DDIM, 10, 0.5, ScheduleKind::Default, flow_config(3.0)), UsageError);
  EXPECT_THROW(make(SamplerKind::Euler, 10, 0, ScheduleKind::SgmUniform, flow_config(3.0)), UsageError);
}

TEST(Samplers, StochasticDraftsAddTheRefinePassNoises) {
  // A draft of x_{i+k} with the anchor's estimate must equal walking k steps with that same
  // estimate: the same per-step noises z_i..z_{i+k-1} as the refine pass (first-order solvers).
  for (SamplerKind kind : {SamplerKind::DDPM, SamplerKind::EulerAncestral}) {
    auto s = make(kind, 20);
    SolverHistory h;
    auto x = torch::randn(kShape);
    auto d = torch::randn(kShape);
    auto walked = x;
    SolverHistory walk_history;
    for (int j = 0; j < 4; ++j) walked = s->step(walked, d, 6 + j, walk_history);
    EXPECT_TRUE(torch::allclose(s->draft(x, d, 6, 4, h), walked, 1e-5, 1e-5)) << sampler_info(kind).name;
  }
  // DDIM eta > 0 the same way.
  auto s = make(SamplerKind::DDIM, 20, 0.8);
  SolverHistory h, w;
  auto x = torch::randn(kShape), d = torch::randn(kShape), walked = x;
  for (int j = 0; j < 3; ++j) walked = s->step(walked, d, 2 + j, w);
  EXPECT_TRUE(torch::allclose(s->draft(x, d, 2, 3, h), walked, 1e-5, 1e-5));
}

TEST(Samplers, MultistepHistoryIsTheCallersValue) {
  // Same inputs, same history -> same output; a different history changes DPM++ 2M's step,
  // and draft() leaves the history it is given as it was.
  auto s = make(SamplerKind::DpmPP2M, 20);
  auto x = torch::randn(kShape), d5 = torch::randn(kShape), d6 = torch::randn(kShape);
  SolverHistory a;
  a.push(5, d5, x);
  SolverHistory b = a;
  const auto before = a.index.size();
  auto drafted = s->draft(x, d6, 6, 3, a);
  EXPECT_EQ(a.index.size(), before);
  auto sa = s->step(x, d6, 6, a), sb = s->step(x, d6, 6, b);
  EXPECT_TRUE(torch::equal(sa, sb));
  SolverHistory empty;
  EXPECT_FALSE(torch::equal(s->step(x, d6, 6, empty), sa));  // first order without history
}

TEST(Samplers, DdpmKStepChainHasTheRightMarginal) {
  // Fix x0; draw x_i ~ q(x_i | x0) and an exact estimate. k chained posterior steps must be
  // distributed as q(x_{i+k} | x0) = N(sqrt(abar) x0, 1 - abar).
  const int steps = 40, i = 5, k = 7, n = 200000;
  NoiseRequest noise{3, {n}, torch::TensorOptions().dtype(torch::kFloat64), 1.0};
  DdpmSampler s(make_noise_levels(NoiseSchedule(ScheduleConfig{}), steps, ScheduleKind::Default,
                                  StateSpace::VariancePreserving, 1.0),
                noise);
  const double x0v = 0.6, ai = s.alpha_bar(i), aj = s.alpha_bar(i + k);
  auto eps = torch::randn({n}, torch::kFloat64);
  auto xi = std::sqrt(ai) * x0v + std::sqrt(1 - ai) * eps;
  auto xj = s.draft(xi, torch::full({n}, x0v, torch::kFloat64), i, k, SolverHistory{});
  EXPECT_NEAR(xj.mean().item<double>(), std::sqrt(aj) * x0v, 0.01);
  EXPECT_NEAR(xj.var().item<double>(), 1 - aj, 0.01);
  // One step equals diffusers' DDPM posterior (variance_type fixed_small).
  auto p1 = s.posterior(i, 1);
  const double a1 = s.alpha_bar(i + 1), beta = 1 - ai / a1;
  EXPECT_NEAR(p1.std * p1.std, (1 - a1) / (1 - ai) * beta, 1e-15);
  EXPECT_NEAR(p1.c_x0, std::sqrt(a1) * beta / (1 - ai), 1e-15);
  EXPECT_NEAR(p1.c_x, std::sqrt(ai / a1) * (1 - a1) / (1 - ai), 1e-15);
}

TEST(Samplers, RegistryNamesRoundTrip) {
  for (const SamplerInfo& s : sampler_registry()) {
    EXPECT_EQ(find_sampler(s.name), s.kind);
    EXPECT_EQ(find_sampler(s.display_name), s.kind);
    EXPECT_EQ(find_sampler(s.comfy_name), s.kind);
  }
  for (const ScheduleInfo& s : schedule_registry()) {
    EXPECT_EQ(find_schedule(s.name), s.kind);
    EXPECT_EQ(find_schedule(s.display_name), s.kind);
  }
  EXPECT_EQ(find_sampler("DPM++ 2M"), SamplerKind::DpmPP2M);
  EXPECT_EQ(find_sampler("euler a"), SamplerKind::EulerAncestral);
  EXPECT_FALSE(find_sampler("dpm++ 9m").has_value());
  EXPECT_FALSE(find_schedule("beta").has_value());
}

TEST(Samplers, SchedulesSpanTheDefaultsRange) {
  NoiseSchedule sched{ScheduleConfig{}};
  std::vector<double> def, t_def;
  schedule_sigmas(sched, 20, ScheduleKind::Default, def, t_def);
  for (ScheduleKind k : {ScheduleKind::Karras, ScheduleKind::Exponential}) {
    std::vector<double> s, t;
    schedule_sigmas(sched, 20, k, s, t);
    EXPECT_NEAR(s.front(), def.front(), 1e-9);
    EXPECT_NEAR(s.back(), def.back(), 1e-9);
    for (int i = 1; i < 20; ++i) ASSERT_LT(s[i], s[i - 1]);
  }
  std::vector<double> e, te;
  schedule_sigmas(sched, 20, ScheduleKind::Exponential, e, te);
  EXPECT_NEAR(std::log(e[0]) - std::log(e[1]), std::log(e[10]) - std::log(e[11]), 1e-12);  // log-uniform
  std::vector<double> sgm, tsgm;
  schedule_sigmas(sched, 20, ScheduleKind::SgmUniform, sgm, tsgm);
  EXPECT_DOUBLE_EQ(tsgm[0], 999.0);
  EXPECT_NEAR(tsgm[1], 999.0 - 999.0 / 20, 1e-9);
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

TEST(Samplers, AutoWarmupIsFourForSolversThatAddNoiseExceptLcm) {
  // docs/fidelity.md, "Warm-up": four steps bring DDPM / Euler a / DPM++ 2M SDE within the
  // deterministic solvers' fidelity; LCM gains nothing from them; deterministic solvers run none.
  GenerationSettings s;
  for (const SamplerKind k : {SamplerKind::DDPM, SamplerKind::EulerAncestral, SamplerKind::DpmPP2MSde,
                              SamplerKind::DpmPP3MSde}) {
    s.sampler = k;
    EXPECT_EQ(default_warmup(s), 4) << sampler_info(k).name;
  }
  for (const SamplerKind k : {SamplerKind::LCM, SamplerKind::DDIM, SamplerKind::Euler, SamplerKind::DpmPP2M}) {
    s.sampler = k;
    EXPECT_EQ(default_warmup(s), 0) << sampler_info(k).name;
  }
  s.sampler = SamplerKind::DDIM;
  s.eta = 0.5;  // DDIM that adds noise
  EXPECT_EQ(default_warmup(s), 4);
  s.steps = 3;
  EXPECT_EQ(effective_warmup(s), 3);  // never more than the steps
}

TEST(Samplers, FidelityWarningsComeFromTheMeasuredTable) {
  // Every measured combination: a warning with its own number exactly when it is under the
  // threshold; sequential runs and unmeasured widths never warn.
  ASSERT_FALSE(measured_fidelity().empty());
  for (const FidelityEntry& e : measured_fidelity()) {
    GenerationSettings s;
    s.sampler = e.sampler;
    s.mode = e.mode;
    s.width = e.width;
    s.warmup_steps = e.warmup_steps;
    s.guidance = e.guidance;
    const auto found = measured_fidelity_for(s.sampler, s.mode, s.width, s.warmup_steps, s.guidance);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->mean_psnr_db, e.mean_psnr_db);
    const auto w = fidelity_warning(s);
    EXPECT_EQ(w.has_value(), e.mean_psnr_db < kFidelityWarnBelowDb) << sampler_info(e.sampler).name;
    if (w) {
      char number[16];
      std::snprintf(number, sizeof number, "%.1f dB", e.mean_psnr_db);
      EXPECT_NE(w->find(number), std::string::npos) << *w;
    }
    s.mode = Mode::Sequential;
    EXPECT_FALSE(fidelity_warning(s).has_value());
    s.mode = e.mode;
    s.warmup_steps = 23;  // an unmeasured warm-up: the entry says nothing about it
    EXPECT_FALSE(fidelity_warning(s).has_value());
    s.warmup_steps = e.warmup_steps;
    s.width = 97;
    EXPECT_FALSE(fidelity_warning(s).has_value());
  }
}

// The LCM-distilled model (builtin-lcm) has its own numbers for the LCM sampler: the lookup for
// such a model reads them, and falls back to the built-in model's table for its other samplers.
TEST(Samplers, AnLcmDistilledModelReadsItsOwnFidelityNumbers) {
  const auto& own = measured_fidelity(FidelityModel::LcmDistilled);
  ASSERT_FALSE(own.empty());
  for (const FidelityEntry& e : own) {
    EXPECT_EQ(e.sampler, SamplerKind::LCM);
    const auto found = measured_fidelity_for(e.sampler, e.mode, e.width, e.warmup_steps, e.guidance,
                                             FidelityModel::LcmDistilled);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->mean_psnr_db, e.mean_psnr_db);
    const auto proxy = measured_fidelity_for(e.sampler, e.mode, e.width, e.warmup_steps, e.guidance);
    ASSERT_TRUE(proxy.has_value());
    EXPECT_NE(proxy->guidance, e.guidance);  // the built-in model's LCM rows are at CFG 5 and 7
  }
  const auto lcm = measured_fidelity_for(SamplerKind::LCM, Mode::Aggressive, 4, 0, 1.0, FidelityModel::LcmDistilled);
  const auto plain = measured_fidelity_for(SamplerKind::LCM, Mode::Aggressive, 4, 0, 1.0);
  ASSERT_TRUE(lcm && plain);
  EXPECT_GT(lcm->mean_psnr_db, plain->mean_psnr_db);
  EXPECT_FALSE(fidelity_warning(SamplerKind::LCM, Mode::Aggressive, 4, 0, 1.0, FidelityModel::LcmDistilled));
  // Another sampler on an LCM-distilled model: the built-in model's numbers.
  const auto ddim = measured_fidelity_for(SamplerKind::DDIM, Mode::Aggressive, 2, 0, 5.0, FidelityModel::LcmDistilled);
  ASSERT_TRUE(ddim.has_value());
  EXPECT_EQ(ddim->mean_psnr_db, measured_fidelity_for(SamplerKind::DDIM, Mode::Aggressive, 2, 0, 5.0)->mean_psnr_db);
}

TEST(Samplers, HeunRepeatsEveryInnerSigmaSoStepsCountNetworkCalls) {
  // 19 calls: 10 sigma steps as diffusers runs Heun (9 predictor + corrector pairs, Euler onto
  // sigma 0); 20 calls: the first step is Euler too. The levels are the 10 / 11 sigma steps'.
  for (int calls : {19, 20}) {
    auto owner = make(SamplerKind::Heun, calls);
    auto* s = dynamic_cast<HeunSampler*>(owner.get());
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(s->steps(), calls);
    const int n = calls == 19 ? 10 : 11;
    std::vector<double> sigmas, timesteps;
    schedule_sigmas(NoiseSchedule(ScheduleConfig{}), n, ScheduleKind::Default, sigmas, timesteps);
    std::vector<double> expected = {sigmas[0]};
    for (int j = 1; j < n; ++j) {
      if (calls == 19 || j >= 2) expected.push_back(sigmas[static_cast<std::size_t>(j)]);
      expected.push_back(sigmas[static_cast<std::size_t>(j)]);
    }
    expected.push_back(0.0);
    ASSERT_EQ(s->levels().sigma.size(), expected.size());
    int correctors = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_DOUBLE_EQ(s->sigma(static_cast<int>(i)), expected[i]);
    for (int i = 0; i < calls; ++i) correctors += s->corrector_call(i) ? 1 : 0;
    EXPECT_EQ(correctors, 9) << calls;  // both have 9 Heun steps
  }
  EXPECT_THROW(make(SamplerKind::Heun, 0), UsageError);
}

TEST(Samplers, UniPCCorrectorMovesTheState) {
  // With the estimate before it in the history, UniPC's step corrects x_i first, so it differs
  // from the predictor alone (unipc_nc); DRiffusion's transferred estimates are used the same way.
  auto uni = make(SamplerKind::UniPC, 20), pred = make(SamplerKind::UniPCNoCorrector, 20);
  auto x4 = torch::randn(kShape), x5 = torch::randn(kShape);
  auto d4 = torch::randn(kShape), d5 = torch::randn(kShape);
  SolverHistory h, h_nc;
  h.push(4, d4, x4);
  h_nc.push(4, d4, x4);
  EXPECT_FALSE(torch::equal(uni->step(x5, d5, 5, h), pred->step(x5, d5, 5, h_nc)));
  SolverHistory first, first_nc;  // nothing to correct with: the predictor's step bit for bit
  EXPECT_TRUE(torch::equal(uni->step(x5, d5, 5, first), pred->step(x5, d5, 5, first_nc)));
}
