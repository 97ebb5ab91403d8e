// docs/method.md invariant: width 1, either mode, is bit-identical to the sequential sampler, for
// deterministic samplers and for stochastic ones (per-step noise indexed by step).
#include <gtest/gtest.h>

#include "core/analytic/gaussian_mixture.h"
#include "core/engine/settings.h"
#include "core/sampling/draft_plan.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/sampler_registry.h"
#include "core/sampling/sequential_sampler.h"
#include "core/sampling/step_noise.h"

using namespace drf;

namespace {

struct RunOutcome {
  torch::Tensor sample;
  int latencies;
};

RunOutcome run(SamplerKind kind, double eta, bool karras, Mode mode, int width, PredictionType pred = PredictionType::Epsilon,
               ScheduleKind sched = ScheduleKind::Default) {
  NoiseSchedule schedule{ScheduleConfig{}};
  GaussianMixture m = make_demo_mixture();
  GaussianMixtureDenoiser denoiser(m, schedule, pred);
  Conditioning c;
  c.cond = m.weights_for_prompt("red").to(torch::kFloat32).unsqueeze(0);
  c.uncond = m.weights.to(torch::kFloat32).unsqueeze(0);
  c.guidance = 3.0;
  GuidedPredictor predictor(denoiser, c);
  LocalEvaluator ev(predictor, nullptr);
  const std::vector<int64_t> shape = {1, 64, 48};
  SamplerOptions o{kind, 20, eta, karras, 5, shape, torch::TensorOptions().dtype(torch::kFloat32)};
  o.schedule = sched;
  auto sampler = make_sampler(schedule, o);
  auto x0 = sampler->initial_state(seeded_noise(5, shape, o.state_options));
  SamplingResult r = mode == Mode::Sequential ? sample_sequential(*sampler, ev, x0)
                                              : sample_draft_refine(*sampler, ev, plan_draft_refine(20, width, mode), x0);
  return {r.sample, r.serial_latencies};
}

}  // namespace

TEST(WidthOne, BitIdenticalToSequentialForEverySolver) {
  struct Case {
    SamplerKind kind;
    double eta;
    ScheduleKind sched;
  };
  std::vector<Case> cases;
  for (const SamplerInfo& info : sampler_registry()) {
    cases.push_back({info.kind, 0.0, ScheduleKind::Default});
    cases.push_back({info.kind, 0.0, ScheduleKind::Karras});
    if (info.takes_eta) cases.push_back({info.kind, 0.5, ScheduleKind::Default});
  }
  for (Case c : cases) {
    RunOutcome seq = run(c.kind, c.eta, false, Mode::Sequential, 1, PredictionType::Epsilon, c.sched);
    EXPECT_EQ(seq.latencies, 20);
    for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
      RunOutcome d = run(c.kind, c.eta, false, mode, 1, PredictionType::Epsilon, c.sched);
      EXPECT_TRUE(torch::equal(d.sample, seq.sample))
          << sampler_name(c.kind) << " eta " << c.eta << " " << schedule_info(c.sched).name << " " << mode_name(mode)
          << " max diff " << (d.sample - seq.sample).abs().max().item<double>();
      EXPECT_EQ(d.latencies, 20);
    }
  }
}

TEST(WidthOne, LatenciesEqualThePlannerForEverySolver) {
  for (const SamplerInfo& info : sampler_registry())
    for (Mode mode : {Mode::Conservative, Mode::Aggressive})
      for (int width : {2, 3, 4}) {
        RunOutcome d = run(info.kind, 0.0, false, mode, width);
        EXPECT_EQ(d.latencies, plan_draft_refine(20, width, mode).serial_latencies())
            << info.name << " " << mode_name(mode) << " width " << width;
        EXPECT_TRUE(torch::isfinite(d.sample).all().item<bool>()) << info.name;
      }
}

TEST(WidthOne, WiderRunsDifferButStayClose) {
  RunOutcome seq = run(SamplerKind::DDIM, 0, false, Mode::Sequential, 1);
  RunOutcome agg = run(SamplerKind::DDIM, 0, false, Mode::Aggressive, 4);
  EXPECT_FALSE(torch::equal(agg.sample, seq.sample));
  EXPECT_LT((agg.sample - seq.sample).abs().mean().item<double>(), 0.2);
  EXPECT_EQ(agg.latencies, 1 + 5);
}

TEST(PredictionTypes, VAndSampleParameterisationsGiveTheSameSamples) {
  RunOutcome eps = run(SamplerKind::DDIM, 0, false, Mode::Aggressive, 3, PredictionType::Epsilon);
  RunOutcome v = run(SamplerKind::DDIM, 0, false, Mode::Aggressive, 3, PredictionType::VPrediction);
  RunOutcome x0 = run(SamplerKind::Euler, 0, false, Mode::Sequential, 1, PredictionType::Sample);
  RunOutcome x0_eps = run(SamplerKind::Euler, 0, false, Mode::Sequential, 1, PredictionType::Epsilon);
  EXPECT_TRUE(torch::allclose(eps.sample, v.sample, 1e-3, 1e-3));
  EXPECT_TRUE(torch::allclose(x0.sample, x0_eps.sample, 1e-3, 1e-3));
}
