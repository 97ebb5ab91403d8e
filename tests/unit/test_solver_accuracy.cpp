// Every solver on the analytic Gaussian mixture, whose target distribution and exact denoiser
// are known: each converges to the target; the second-order solvers (DPM++ 2M, UniPC) reach a
// given error against the exact ODE solution in fewer steps than DDIM, which checks that their
// higher order is implemented right; DRiffusion stays within a bound per width, stochastic
// solvers included (their drafts add the refine pass's noises).
#include <gtest/gtest.h>

#include <cstdio>

#include "core/analytic/oracle.h"
#include "core/sampling/sampler_registry.h"

using namespace drf;

namespace {

// full_range: linspace spacing, every step count runs from t = 999 to t = 0 on the training
// grid, so runs of different lengths solve the same ODE (integer timesteps: the analytic model
// and the conversion to x0 agree exactly on the noise level).
torch::Tensor samples(SamplerKind kind, int steps, int n, Mode mode = Mode::Sequential, int width = 1,
                      bool full_range = true) {
  OracleOptions o;
  o.sampler = kind;
  o.steps = steps;
  o.samples = n;
  o.linspace = full_range;
  return oracle_samples(o, mode, width);
}

double rms(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).pow(2).mean().sqrt().item<double>(); }

}  // namespace

TEST(SolverAccuracy, EverySolverReachesTheTargetMixture) {
  GaussianMixture m = make_demo_mixture();
  for (const SamplerInfo& info : sampler_registry()) {
    const int steps = info.stochastic ? 60 : 25;  // ancestral sampling needs more steps
    auto x = samples(info.kind, steps, 2048, Mode::Sequential, 1, false);
    auto e = distribution_error(m, m.weights, x);

    std::printf("TGT %s %.4f %.4f %.4f\n", info.name, e.mean_rms, e.variance_rel, e.component_tv);
    if (info.kind == SamplerKind::LCM) {
      // LCM is exact only for a consistency-distilled model: with the exact denoiser of an
      // ordinary model each step keeps just the posterior mean and renoises it, which biases the
      // mixture (measured 0.046 / 0.071 / 0.078). Checked to stay near the target, not to reach it.
      EXPECT_LT(e.mean_rms, 0.07) << info.name;
      EXPECT_LT(e.variance_rel, 0.15) << info.name;
      EXPECT_LT(e.component_tv, 0.12) << info.name;
      continue;
    }
    // Monte-Carlo error of the mean with 2048 samples is about 0.016 per dimension. DPM++ 3M
    // SDE's variance error is the largest (measured 0.118 at 60 steps).
    EXPECT_LT(e.mean_rms, 0.04) << info.name;
    EXPECT_LT(e.variance_rel, info.kind == SamplerKind::DpmPP3MSde ? 0.15 : 0.12) << info.name;
    EXPECT_LT(e.component_tv, 0.05) << info.name;
  }
}

TEST(SolverAccuracy, SecondOrderSolversNeedFewerStepsThanDdim) {
  // The same ODE from the same noise (trailing spacing: every run starts at t = 999); the
  // reference is DPM++ 2M with 400 steps. Steps each solver needs to come within 0.03 RMS
  // (measured: DDIM 40, DPM++ 2M 20, UniPC 20).
  const int n = 256;
  const auto reference = samples(SamplerKind::DpmPP2M, 400, n);
  auto steps_to_reach = [&](SamplerKind kind, double target) {
    for (int steps : {5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100})
      if (rms(samples(kind, steps, n), reference) < target) return steps;
    return 1000;
  };
  const double target = 0.03;
  const int ddim = steps_to_reach(SamplerKind::DDIM, target);
  const int dpm = steps_to_reach(SamplerKind::DpmPP2M, target);
  const int unipc = steps_to_reach(SamplerKind::UniPC, target);
  const int unipc_nc = steps_to_reach(SamplerKind::UniPCNoCorrector, target);
  EXPECT_LT(dpm, ddim);
  EXPECT_LT(unipc, ddim);
  EXPECT_LT(unipc_nc, ddim);
  // Second order: doubling the steps from 10 to 20 cuts DPM++ 2M's error by about 4 (measured
  // 0.082 -> 0.020), DDIM's by about 2 (0.104 -> 0.050).
  const double d10 = rms(samples(SamplerKind::DpmPP2M, 10, n), reference);
  const double d20 = rms(samples(SamplerKind::DpmPP2M, 20, n), reference);
  const double i10 = rms(samples(SamplerKind::DDIM, 10, n), reference);
  const double i20 = rms(samples(SamplerKind::DDIM, 20, n), reference);
  EXPECT_GT(d10 / d20, 3.0) << d10 << " " << d20;
  EXPECT_LT(i10 / i20, 2.6) << i10 << " " << i20;
  RecordProperty("steps_to_0.03", "ddim " + std::to_string(ddim) + " dpmpp_2m " + std::to_string(dpm) + " unipc " +
                                      std::to_string(unipc) + " unipc_nc " + std::to_string(unipc_nc));
}

TEST(SolverAccuracy, DriffusionDeviationIsBoundedPerWidthForEverySolver) {
  // RMS difference to the same solver's sequential samples (same seed, 25 steps, 256 samples;
  // values in docs/samplers.md). A stochastic solver's drafts add the refine pass's noises but
  // cannot know the estimate at the newly noised state, so it deviates more than the ODE solvers.
  const int n = 256;
  // DPM++ 3M SDE extrapolates noisy estimates further (measured 0.35-0.40); LCM replaces the
  // whole state by estimate + fresh noise every step, so every draft error is carried in full
  // (measured 0.48-0.61).
  // Heun is the largest since the Gaussian-prior transfer (session 10: 0.069 / 0.070 / 0.095 at
  // aggressive widths 2-4, from 0.017 / 0.035 / 0.058; this mixture's narrow components are far
  // from that prior, while on the built-in model Heun gained 10-15 dB, docs/fidelity.md).
  const double deterministic[5] = {0, 0, 0.09, 0.10, 0.12};
  const double stochastic[5] = {0, 0, 0.22, 0.28, 0.36};
  const double third_order_sde[5] = {0, 0, 0.42, 0.45, 0.48};
  const double lcm[5] = {0, 0, 0.60, 0.70, 0.70};
  for (const SamplerInfo& info : sampler_registry()) {
    const auto seq = samples(info.kind, 25, n, Mode::Sequential, 1, false);
    const double* bound = info.kind == SamplerKind::LCM          ? lcm
                          : info.kind == SamplerKind::DpmPP3MSde ? third_order_sde
                          : info.stochastic                      ? stochastic
                                                                 : deterministic;
    for (Mode mode : {Mode::Conservative, Mode::Aggressive})
      for (int w = 2; w <= 4; ++w) {
        const double d = rms(samples(info.kind, 25, n, mode, w, false), seq);
        EXPECT_LT(d, bound[w]) << info.name << " " << mode_name(mode) << " width " << w;
        EXPECT_GT(d, 0.0) << info.name;  // width >= 2 is not the sequential run
      }
  }
}
