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
#include "core/sampling/sampler_registry.h"
#include "core/sampling/sequential_sampler.h"

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
    so.steps = steps;
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
    for (int i = 0; i < steps; ++i) {
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
