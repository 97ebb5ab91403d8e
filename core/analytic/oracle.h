// The analytic oracle: runs sequential sampling and DRiffusion on the Gaussian mixture,
// where the target distribution is known exactly, and measures (a) how far DRiffusion's
// samples are from the sequential samples of the same seed and (b) how far each sampler's
// samples are from the target mixture.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/analytic/gaussian_mixture.h"
#include "core/engine/settings.h"

namespace drf {

struct DistributionError {
  double mean_rms = 0;        // RMS over dimensions of (sample mean - target mean)
  double variance_rel = 0;    // mean over dimensions of |sample var - target var| / target var
  double component_tv = 0;    // total-variation distance of component frequencies
  double combined() const { return std::max({mean_rms, variance_rel, component_tv}); }
};

// Samples [S, D] vs the mixture under `weights`.
DistributionError distribution_error(const GaussianMixture& mixture, const torch::Tensor& weights,
                                     const torch::Tensor& samples);

struct OracleRow {
  Mode mode = Mode::Sequential;
  int steps = 0;
  int width = 1;
  int serial_latencies = 0;
  double theoretical_speedup = 1;
  double deviation_rms = 0;  // RMS difference to the sequential samples, same seed
  DistributionError target;
};

struct OracleOptions {
  int steps = 50;
  int max_width = 8;
  int samples = 4096;
  std::uint64_t seed = 1;
  SamplerKind sampler = SamplerKind::DDIM;
  ScheduleKind schedule = ScheduleKind::Default;
  // SD's leading spacing (steps_offset 1) by default; linspace runs every step count from
  // t = 999 to t = 0, so runs of different lengths solve the same ODE (solver order checks).
  bool linspace = false;
  // Flow matching (SD3's form, gaussian_mixture_flow.h): the mixture's exact velocity field on the
  // shifted flow sigmas; DRiffusion drafts by the flow skip. `linspace` does not apply.
  bool flow = false;
  double flow_shift = 3.0;
  // The data distribution; empty: the demo mixture (make_demo_mixture).
  std::shared_ptr<const GaussianMixture> mixture;
  GaussianMixture target() const { return mixture ? *mixture : make_demo_mixture(); }
};

// Rows: sequential first, then conservative and aggressive for widths 1..max_width.
std::vector<OracleRow> run_oracle(const OracleOptions& options);

// Samples of one configuration ([S, D] float64), exposed for tests.
torch::Tensor oracle_samples(const OracleOptions& options, Mode mode, int width, int* serial_latencies = nullptr);

}  // namespace drf
