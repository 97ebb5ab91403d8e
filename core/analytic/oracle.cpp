#include "core/analytic/oracle.h"

#include <cmath>
#include <memory>

#include "core/analytic/gaussian_mixture_flow.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/sequential_sampler.h"
#include "core/sampling/step_noise.h"

namespace drf {

DistributionError distribution_error(const GaussianMixture& m, const torch::Tensor& weights,
                                     const torch::Tensor& samples) {
  auto x = samples.to(torch::kFloat64);
  auto w = weights.to(torch::kFloat64);
  auto target_mean = (w.unsqueeze(1) * m.means).sum(0);
  auto second = (w.unsqueeze(1) * (m.means.pow(2) + m.stds.pow(2).unsqueeze(1))).sum(0);
  auto target_var = second - target_mean.pow(2);
  DistributionError e;
  e.mean_rms = (x.mean(0) - target_mean).pow(2).mean().sqrt().item<double>();
  e.variance_rel = ((x.var(0, /*unbiased=*/false) - target_var).abs() / target_var).mean().item<double>();
  // Component of each sample: the most likely one under the clean mixture.
  const double D = m.dims();
  auto d2 = (x.unsqueeze(1) - m.means.unsqueeze(0)).pow(2).sum(-1);  // [S, K]
  auto s2 = m.stds.pow(2).unsqueeze(0);
  auto logp = -0.5 * d2 / s2 - 0.5 * D * s2.log() + w.clamp_min(1e-300).log().unsqueeze(0);
  auto counts = torch::bincount(logp.argmax(1), {}, m.components()).to(torch::kFloat64);
  e.component_tv = 0.5 * (counts / x.size(0) - w).abs().sum().item<double>();
  return e;
}

torch::Tensor oracle_samples(const OracleOptions& o, Mode mode, int width, int* serial_latencies) {
  GaussianMixture mixture = o.target();
  ScheduleConfig sc;  // SD's scaled_linear / leading schedule
  if (o.linspace) {
    sc.spacing = TimestepSpacing::Linspace;
    sc.steps_offset = 0;
  }
  if (o.flow) sc = analytic_flow_schedule_config(o.flow_shift);
  NoiseSchedule schedule(sc);
  std::unique_ptr<Denoiser> denoiser;
  if (o.flow) denoiser = std::make_unique<GaussianMixtureFlowDenoiser>(mixture);
  else denoiser = std::make_unique<GaussianMixtureDenoiser>(mixture, schedule);
  Conditioning cond;
  cond.cond = mixture.weights.to(torch::kFloat32).unsqueeze(0);
  GuidedPredictor predictor(*denoiser, cond);
  LocalEvaluator evaluator(predictor, nullptr);

  const std::vector<int64_t> shape = {1, o.samples, mixture.dims()};
  SamplerOptions so;
  so.kind = o.sampler;
  so.steps = o.steps;
  so.seed = o.seed;
  so.schedule = o.schedule;
  so.state_shape = shape;
  so.state_options = torch::TensorOptions().dtype(torch::kFloat32);
  auto sampler = make_sampler(schedule, so);
  auto x0 = sampler->initial_state(seeded_noise(o.seed, shape, so.state_options));
  SamplingResult r = mode == Mode::Sequential
                         ? sample_sequential(*sampler, evaluator, x0)
                         : sample_draft_refine(*sampler, evaluator, plan_draft_refine(o.steps, width, mode), x0);
  if (serial_latencies) *serial_latencies = r.serial_latencies;
  return r.sample.reshape({o.samples, mixture.dims()}).to(torch::kFloat64);
}

std::vector<OracleRow> run_oracle(const OracleOptions& o) {
  GaussianMixture mixture = o.target();
  std::vector<OracleRow> rows;
  int lat = 0;
  const torch::Tensor reference = oracle_samples(o, Mode::Sequential, 1, &lat);
  auto make_row = [&](Mode mode, int width, const torch::Tensor& samples, int latencies) {
    OracleRow row;
    row.mode = mode;
    row.steps = o.steps;
    row.width = width;
    row.serial_latencies = latencies;
    row.theoretical_speedup = static_cast<double>(o.steps) / latencies;
    row.deviation_rms = (samples - reference).pow(2).mean().sqrt().item<double>();
    row.target = distribution_error(mixture, mixture.weights, samples);
    return row;
  };
  rows.push_back(make_row(Mode::Sequential, 1, reference, lat));
  for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
    for (int w = 1; w <= std::min(o.max_width, o.steps); ++w) {
      auto samples = oracle_samples(o, mode, w, &lat);
      rows.push_back(make_row(mode, w, samples, lat));
    }
  }
  return rows;
}

}  // namespace drf
