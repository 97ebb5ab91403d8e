// The analytic oracle in flow-matching form (SD3's rectified flow x_s = (1 - s) x0 + s eps): the
// mixture's exact velocity field agrees with the VP oracle's posterior mean, flow Euler reaches
// the target mixture, and DRiffusion (both modes, drafts by the flow skip) stays within a bound
// per width of the sequential samples while reaching the target too.
#include <gtest/gtest.h>

#include <cmath>

#include "core/analytic/gaussian_mixture_flow.h"
#include "core/analytic/oracle.h"

using namespace drf;

TEST(FlowOracle, VelocityFieldAgreesWithTheVpPosteriorMean) {
  // Independent route: the VP denoiser (score of the noised mixture) predicts x0 at abar; the
  // same noisy point in flow form is x_s = (1 - s) x0 + s eps with s / (1 - s) = sqrt((1 - abar) / abar),
  // x_s = x_vp (1 - s) / sqrt(abar), and the flow model's x0 = x_s - s v must equal it.
  GaussianMixture m = make_demo_mixture();
  NoiseSchedule schedule{ScheduleConfig{}};
  GaussianMixtureDenoiser vp(m, schedule, PredictionType::Sample);
  GaussianMixtureFlowDenoiser flow(m);
  const auto context = m.weights.to(torch::kFloat32).unsqueeze(0);
  torch::manual_seed(3);
  for (double t : {20.0, 250.0, 600.0, 900.0, 999.0}) {
    const double abar = vp.alpha_bar_at(t);
    const double sigma = std::sqrt((1 - abar) / abar), s = sigma / (1 + sigma);
    const auto x0 = m.sample(8, m.weights, 5).to(torch::kFloat32);
    const auto eps = torch::randn({8, m.dims()});
    const auto x_vp = std::sqrt(abar) * x0 + std::sqrt(1 - abar) * eps;
    const auto x_s = (x_vp * ((1 - s) / std::sqrt(abar))).unsqueeze(0);
    const auto x0_vp = vp.forward(x_vp.unsqueeze(0), torch::tensor({t}), context);
    const auto v = flow.forward(x_s, torch::tensor({s * 1000}), context);
    const auto x0_flow = x_s - s * v;
    // Both in float64 inside, float32 out: agreement to a few float32 ulps of values ~1.
    EXPECT_LT((x0_flow - x0_vp).abs().max().item<double>(), 2e-5) << "t " << t;
  }
  EXPECT_EQ(flow.prediction_type(), PredictionType::FlowVelocity);
}

TEST(FlowOracle, FlowEulerReachesTheTargetMixture) {
  GaussianMixture m = make_demo_mixture();
  for (int steps : {28}) {  // SD3's default step count
    OracleOptions o;
    o.flow = true;
    o.steps = steps;
    o.samples = 4096;
    auto e = distribution_error(m, m.weights, oracle_samples(o, Mode::Sequential, 1));
    // Monte-Carlo error of the mean with 4096 samples is about 0.011 per dimension.
    EXPECT_LT(e.mean_rms, 0.03) << steps;
    EXPECT_LT(e.variance_rel, 0.12) << steps;
    EXPECT_LT(e.component_tv, 0.04) << steps;
  }
}

TEST(FlowOracle, DriffusionDeviationIsBoundedPerWidthAndReachesTheTarget) {
  OracleOptions o;
  o.flow = true;
  o.steps = 28;     // SD3's default
  o.samples = 1024;
  o.max_width = 4;  // the DRiffusion paper's SD3 runs: 3 and 4 devices
  const auto rows = run_oracle(o);
  ASSERT_EQ(rows.size(), 1u + 2u * 4u);
  EXPECT_EQ(rows[0].deviation_rms, 0.0);
  // Upper bounds per width, ~1.6x the values measured on this machine (docs/sd3.md, "Flow oracle":
  // conservative 0.033 / 0.041 / 0.044, aggressive 0.029 / 0.045 / 0.055 at widths 2 / 3 / 4).
  const double bound[5] = {0, 0, 0.05, 0.07, 0.09};
  for (const auto& r : rows) {
    if (r.mode == Mode::Sequential) continue;
    if (r.width == 1) {
      EXPECT_EQ(r.deviation_rms, 0.0) << mode_name(r.mode);  // width 1 is the sequential sampler
    } else {
      EXPECT_LE(r.deviation_rms, bound[r.width]) << mode_name(r.mode) << " width " << r.width;
    }
    EXPECT_LT(r.target.combined(), 0.15) << mode_name(r.mode) << " width " << r.width;
  }
  auto dev = [&](Mode mode, int w) {
    for (const auto& r : rows)
      if (r.mode == mode && r.width == w) return r.deviation_rms;
    return -1.0;
  };
  for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
    EXPECT_GT(dev(mode, 2), 0.0);  // drafts change the path: the test would notice a no-op
    EXPECT_LT(dev(mode, 2), dev(mode, 4));
  }
}
