// Parity of our sequential trajectories with diffusers' schedulers (DDIM, Euler, Euler with
// Karras sigmas, DPM-Solver++ 2M with epsilon and v-prediction, UniPC bh2 with and without the
// corrector, flow-matching Euler with shift 3) on a fixed, simple deterministic model:
//   model(x_in, t) = x_in * (0.2 + 0.6 t / 1000) + 0.05 cos(t / 150), elementwise.
// The golden numbers (data/sampler_reference_diffusers.json) were computed on the GPU machine
// with diffusers' scheduler classes in float64 samples (their sigmas are float32) by the
// git-ignored tools/gpu/parity/make_reference_samplers.py; "made_with" in the file names the
// versions. Trailing spacing with 20 steps: every scheduler then picks the same timesteps.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/sampling/guided_predictor.h"
#include "core/sampling/noise_levels.h"
#include "core/sampling/sampler_registry.h"
#include "core/sampling/sequential_sampler.h"
#include "core/sampling/step_noise.h"

using namespace drf;

namespace {

// The model evaluated per state from its eval point, converted like GuidedPredictor does.
class ParityModel : public RoundEvaluator {
 public:
  explicit ParityModel(PredictionType type) : type_(type) {}
  torch::Tensor evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) override {
    std::vector<torch::Tensor> rows;
    for (std::size_t k = 0; k < points.size(); ++k) {
      const EvalPoint& p = points[k];
      auto x_in = states[static_cast<int64_t>(k)] * p.c_in;
      auto out = x_in * (0.2 + 0.6 * p.timestep / 1000.0) + 0.05 * std::cos(p.timestep / 150.0);
      const DenoiseCoefficients dc = denoise_coefficients(type_, p);
      rows.push_back((x_in * dc.c_skip + out * dc.c_out).unsqueeze(0));
    }
    return torch::cat(rows);
  }

 private:
  PredictionType type_;
};

class Trajectory : public SamplingObserver {
 public:
  void on_round(const RoundReport& r) override { states.push_back(r.refined.clone()); }
  std::vector<torch::Tensor> states;
};

}  // namespace

TEST(SamplerParity, SequentialTrajectoriesMatchDiffusers) {
  std::ifstream in(DRIFFUSION_SAMPLER_REFERENCE);
  ASSERT_TRUE(in.good()) << DRIFFUSION_SAMPLER_REFERENCE;
  const auto ref = nlohmann::json::parse(in);
  const int steps = ref.at("steps").get<int>();
  const std::vector<double> noise = ref.at("noise").get<std::vector<double>>();
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto unit_noise = torch::tensor(noise, opts).unsqueeze(0);
  ASSERT_GE(ref.at("cases").size(), 8u);
  for (const auto& c : ref.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    ScheduleConfig sc;
    sc.spacing = TimestepSpacing::Trailing;
    sc.steps_offset = 0;
    sc.prediction = parse_prediction_type(c.at("prediction").get<std::string>());
    if (c.at("state") == "flow") {
      sc.flow_matching = true;
      sc.shift = c.at("shift").get<double>();
    }
    SamplerOptions so;
    so.kind = *find_sampler(c.at("sampler").get<std::string>());
    so.schedule = *find_schedule(c.at("schedule").get<std::string>());
    const int calls = c.value("calls", steps);  // Heun: one trajectory entry per network call
    so.steps = calls;
    so.state_shape = {1, static_cast<int64_t>(noise.size())};
    so.state_options = opts;
    NoiseSchedule schedule(sc);
    auto sampler = make_sampler(schedule, so);
    ParityModel model(sc.prediction);
    Trajectory traj;
    // diffusers' Euler starts trailing runs at noise * sigma_max (k-diffusion does too); ours at
    // noise * sqrt(sigma_max^2 + 1), the point every solver starts from. Parity from theirs.
    const auto start = c.at("state") == "ve" ? unit_noise * sampler->sigma(0) : sampler->initial_state(unit_noise);
    sample_sequential(*sampler, model, start, &traj);
    const auto expected = c.at("trajectory");
    const auto timesteps = c.at("timesteps").get<std::vector<double>>();
    ASSERT_EQ(traj.states.size(), expected.size()) << name;
    for (int i = 0; i < calls; ++i) {
      // diffusers keeps DPM-Solver++ and UniPC samples variance preserving; our exploding state
      // x_ve = x_vp / alpha_vp at the same noise level.
      torch::Tensor ours = traj.states[i][0];
      if (c.at("state") == "vp" && sampler->alpha(i + 1) == 1.0) {
        const double s = sampler->sigma(i + 1);
        ours = ours / std::sqrt(1.0 + s * s);
      }
      const auto theirs = torch::tensor(expected[i].get<std::vector<double>>(), opts);
      // diffusers' sigmas and timesteps are float32 (relative 6e-8); the trajectory amplifies
      // that by at most a few hundred over 20 steps.
      EXPECT_TRUE(torch::allclose(ours, theirs, 2e-5, 2e-5))
          << name << " step " << i << " ours " << ours << " theirs " << theirs;
      EXPECT_NEAR(sampler->eval_point(i).timestep, timesteps[i], 1e-3 * std::max(1.0, timesteps[i])) << name;
    }
  }
}

// Heun, DPM++ 3M SDE and LCM against their reference formulas written out here step by step on
// the same model, from the same start (no diffusers goldens yet: those need the GPU machine,
// tools/gpu/parity/make_reference_samplers.py). The loops follow the reference code, not our
// solver classes: k-diffusion's sample_heun and sample_dpmpp_3m_sde (the exploding state x =
// x0 + sigma n, t = -log sigma; its Brownian-tree noise replaced by our per-step noise z_i, so
// the formula is what is compared), diffusers' FlowMatchHeunDiscreteScheduler (flow Heun is the
// same loop on the velocity) and LCMScheduler.step (variance preserving, boundary condition
// c_skip / c_out with timestep_scaling 10). Both sides are float64 with the same sigmas, so
// they agree to rounding (1e-10).
namespace {

struct ReferenceCase {
  ScheduleConfig config;
  SamplerOptions options;
  std::vector<double> sigmas, timesteps;  // the schedule's sigma steps, and 0 appended
};

ReferenceCase reference_case(SamplerKind kind, int calls, int sigma_steps, bool flow) {
  ReferenceCase c;
  c.config.spacing = TimestepSpacing::Trailing;
  c.config.steps_offset = 0;
  if (flow) {
    c.config.flow_matching = true;
    c.config.shift = 3.0;
    c.config.prediction = PredictionType::FlowVelocity;
  }
  c.options.kind = kind;
  c.options.steps = calls;
  c.options.seed = 11;
  c.options.state_shape = {1, 5};
  c.options.state_options = torch::TensorOptions().dtype(torch::kFloat64);
  schedule_sigmas(NoiseSchedule(c.config), sigma_steps, ScheduleKind::Default, c.sigmas, c.timesteps);
  c.sigmas.push_back(0.0);
  return c;
}

// The parity model's x0 estimate in the exploding state (epsilon model) or flow state.
torch::Tensor reference_denoised(const torch::Tensor& x, double sigma, double t, bool flow) {
  if (flow) return x - (x * (0.2 + 0.6 * t / 1000.0) + 0.05 * std::cos(t / 150.0)) * sigma;
  const auto x_in = x / std::sqrt(sigma * sigma + 1.0);
  return x - (x_in * (0.2 + 0.6 * t / 1000.0) + 0.05 * std::cos(t / 150.0)) * sigma;
}

torch::Tensor start_noise() {
  return torch::tensor({0.3, -1.2, 0.8, 2.0, -0.5}, torch::TensorOptions().dtype(torch::kFloat64)).unsqueeze(0);
}

}  // namespace

TEST(SamplerParity, HeunMatchesKDiffusionAndFlowHeun) {
  for (bool flow : {false, true}) {
    for (int calls : {19, 20}) {  // 10 Heun steps as diffusers runs them; even: the first is Euler
      const int n = calls % 2 == 1 ? (calls + 1) / 2 : calls / 2 + 1;
      ReferenceCase c = reference_case(SamplerKind::Heun, calls, n, flow);
      NoiseSchedule schedule(c.config);
      auto sampler = make_sampler(schedule, c.options);
      ASSERT_EQ(sampler->steps(), calls);
      ParityModel model(c.config.prediction);
      Trajectory traj;
      const auto start = sampler->initial_state(start_noise());
      sample_sequential(*sampler, model, start, &traj);
      // k-diffusion's sample_heun (s_churn 0) over the same sigmas.
      auto x = start.clone();
      int call = 0;
      for (int i = 0; i < n; ++i) {
        const double s = c.sigmas[i], s_next = c.sigmas[i + 1];
        const auto d = (x - reference_denoised(x, s, c.timesteps[i], flow)) / s;
        const double dt = s_next - s;
        if (s_next == 0.0 || (calls % 2 == 0 && i == 0)) {
          x = x + d * dt;
          call += 1;
        } else {
          const auto x2 = x + d * dt;
          const auto d2 = (x2 - reference_denoised(x2, s_next, c.timesteps[i + 1], flow)) / s_next;
          x = x + (d + d2) * (0.5 * dt);
          call += 2;
        }
        ASSERT_LE(call, calls);
        EXPECT_TRUE(torch::allclose(traj.states[static_cast<std::size_t>(call - 1)], x, 1e-10, 1e-10))
            << (flow ? "flow" : "eps") << " calls " << calls << " sigma step " << i;
      }
      EXPECT_EQ(call, calls);
    }
  }
}

// The built-in model's schedule (cosine, trailing, v-prediction) starts at sigma ~1e4 and its
// next Heun level is ~8: Heun's trapezoid in sigma multiplies the change of the estimate by
// ~600 there and the image exploded (2026-12-05 fidelity sweep: Heun's sequential images missed
// every prompt). That step now takes the trapezoid in 1/sigma, bounded by the estimates.
namespace {
class TwoLevelEstimate : public RoundEvaluator {  // D = 0 at the first level, 1 below it
 public:
  torch::Tensor evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) override {
    std::vector<torch::Tensor> rows;
    for (std::size_t k = 0; k < points.size(); ++k)
      rows.push_back(torch::full_like(states[static_cast<int64_t>(k)], points[k].timestep > 990 ? 0.0 : 1.0).unsqueeze(0));
    return torch::cat(rows);
  }
};
}  // namespace

TEST(SamplerParity, HeunStaysBoundedFromAHugeFirstNoiseLevel) {
  ScheduleConfig sc;
  sc.beta_schedule = BetaSchedule::SquaredCosCapV2;
  sc.beta_start = 0.0001;
  sc.beta_end = 0.02;
  sc.spacing = TimestepSpacing::Trailing;
  sc.steps_offset = 0;
  sc.set_alpha_to_one = true;
  sc.prediction = PredictionType::VPrediction;
  SamplerOptions so;
  so.kind = SamplerKind::Heun;
  so.steps = 25;
  so.state_shape = {1, 5};
  so.state_options = torch::TensorOptions().dtype(torch::kFloat64);
  NoiseSchedule schedule(sc);
  auto sampler = make_sampler(schedule, so);
  const double s0 = sampler->sigma(0), s1 = sampler->sigma(1);
  ASSERT_GT(s0 / s1, 100.0) << "the premise: a first step over a huge noise ratio";
  const auto n = start_noise();
  TwoLevelEstimate model;
  Trajectory traj;
  sample_sequential(*sampler, model, n * s0, &traj);
  // After the first Heun step (predictor, then corrector: states 0 and 1) the state is s1 n plus
  // a mean of the two estimates, within [0, 1] of it; sigma's trapezoid gave about -s0 / (2 s1).
  const auto offset = traj.states[1] - n * s1;
  EXPECT_GE(offset.min().item<double>(), -1e-9) << offset;
  EXPECT_LE(offset.max().item<double>(), 1.0 + 1e-9) << offset;
  EXPECT_NEAR(offset.mean().item<double>(), 0.5 * (1.0 - s1 / s0), 1e-9);
}

TEST(SamplerParity, DpmPP3MSdeMatchesKDiffusion) {
  const int steps = 12;
  for (double s_noise : {0.0, 1.0}) {
    ReferenceCase c = reference_case(SamplerKind::DpmPP3MSde, steps, steps, false);
    c.options.s_noise = s_noise;
    NoiseSchedule schedule(c.config);
    auto sampler = make_sampler(schedule, c.options);
    ParityModel model(c.config.prediction);
    Trajectory traj;
    const auto start = sampler->initial_state(start_noise());
    sample_sequential(*sampler, model, start, &traj);
    StepNoise z(c.options.seed, c.options.state_shape, c.options.state_options);
    // k-diffusion's sample_dpmpp_3m_sde, eta 1.
    auto x = start.clone();
    torch::Tensor den1, den2;
    double h1 = 0, h2 = 0;
    for (int i = 0; i < steps; ++i) {
      const auto den = reference_denoised(x, c.sigmas[i], c.timesteps[i], false);
      double h = 0;
      if (c.sigmas[i + 1] == 0.0) {
        x = den;
      } else {
        const double t = -std::log(c.sigmas[i]), s = -std::log(c.sigmas[i + 1]);
        h = s - t;
        const double h_eta = 2.0 * h;
        x = x * std::exp(-h_eta) + den * (-std::expm1(-h_eta));
        const double phi_2 = std::expm1(-h_eta) / h_eta + 1.0;
        if (den2.defined()) {
          const double r0 = h1 / h, r1 = h2 / h;
          const auto d1_0 = (den - den1) / r0, d1_1 = (den1 - den2) / r1;
          const auto d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1);
          const auto d2 = (d1_0 - d1_1) / (r0 + r1);
          const double phi_3 = phi_2 / h_eta - 0.5;
          x = x + d1 * phi_2 - d2 * phi_3;
        } else if (den1.defined()) {
          x = x + (den - den1) / (h1 / h) * phi_2;
        }
        x = x + z.at(i) * (c.sigmas[i + 1] * std::sqrt(-std::expm1(-2.0 * h)) * s_noise);
      }
      den2 = den1;
      den1 = den;
      h2 = h1;
      h1 = h;
      EXPECT_TRUE(torch::allclose(traj.states[static_cast<std::size_t>(i)], x, 1e-10, 1e-10))
          << "s_noise " << s_noise << " step " << i;
    }
  }
}

TEST(SamplerParity, LcmMatchesTheLcmSchedulerStep) {
  const int steps = 6;
  ReferenceCase c = reference_case(SamplerKind::LCM, steps, steps, false);
  NoiseSchedule schedule(c.config);
  auto sampler = make_sampler(schedule, c.options);
  ParityModel model(c.config.prediction);
  Trajectory traj;
  const auto start = sampler->initial_state(start_noise());
  sample_sequential(*sampler, model, start, &traj);
  StepNoise z(c.options.seed, c.options.state_shape, c.options.state_options);
  auto sample = start.clone();
  for (int i = 0; i < steps; ++i) {
    const double t = c.timesteps[i];
    const double abar = schedule.alpha_bar(static_cast<int>(t));
    const double abar_prev = i + 1 < steps ? schedule.alpha_bar(static_cast<int>(c.timesteps[i + 1])) : 1.0;
    const double u = t * 10.0;  // timestep_scaling
    const double c_skip = 0.25 / (u * u + 0.25), c_out = u / std::sqrt(u * u + 0.25);
    const auto eps = sample * (0.2 + 0.6 * t / 1000.0) + 0.05 * std::cos(t / 150.0);
    const auto pred_x0 = (sample - eps * std::sqrt(1.0 - abar)) / std::sqrt(abar);
    const auto denoised = pred_x0 * c_out + sample * c_skip;
    sample = i + 1 < steps ? denoised * std::sqrt(abar_prev) + z.at(i) * std::sqrt(1.0 - abar_prev) : denoised;
    EXPECT_TRUE(torch::allclose(traj.states[static_cast<std::size_t>(i)], sample, 1e-10, 1e-10)) << "step " << i;
  }
}
