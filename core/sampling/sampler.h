// A solver for one run of N steps: the states x_0 .. x_N, x_i = alpha_i x0 + sigma_i noise
// (NoiseLevels), where x_N is the clean sample. The solvers work on the x0 estimate of the
// network ("denoised"), whatever the model's parameterisation (GuidedPredictor converts).
//
// Solver history (earlier estimates of multistep solvers) is a value the sampling loop owns and
// passes in, never a member: DRiffusion drafts all start from one anchor's history, and every
// SPMD worker refines with the same history. Added noise is indexed by the step it belongs to
// (StepNoise), so drafts and refine of a stochastic solver add the same z_i.
//
// DRiffusion (docs/method.md): draft(x_i -> x_{i+k}) is the solver's own step to i+1 followed by
// first-order steps to i+k that keep the anchor's estimate (the data-prediction exponential
// integrator; with the per-step noises z_{i+1}..z_{i+k-1} for stochastic solvers). draft with
// k = 1 is step bit for bit, which makes width 1 equal the sequential sampler.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/sampling/noise_levels.h"
#include "core/sampling/sampler_list.h"
#include "core/sampling/step_noise.h"

namespace drf {

// Estimates of earlier states, most recent last: what a multistep solver needs.
struct SolverHistory {
  std::vector<int> index;                // state index of each estimate
  std::vector<torch::Tensor> denoised;   // x0 estimate at that state
  torch::Tensor last_state;              // x_{i-1} for UniPC's corrector
  // The estimate at state i (the one just before the current step), or undefined.
  torch::Tensor at(int i) const;
  void push(int i, const torch::Tensor& d, const torch::Tensor& x);
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  int steps() const { return levels_.steps(); }
  virtual std::string name() const = 0;
  const NoiseLevels& levels() const { return levels_; }
  double alpha(int i) const { return levels_.alpha.at(static_cast<std::size_t>(i)); }
  double sigma(int i) const { return levels_.sigma.at(static_cast<std::size_t>(i)); }
  // log(alpha / sigma): the half-log-SNR the exponential integrators step in.
  double lambda(int i) const { return std::log(alpha(i) / sigma(i)); }

  // x_0 from unit Gaussian noise: the same noise starts every solver from the same point.
  torch::Tensor initial_state(const torch::Tensor& unit_noise) const;
  EvalPoint eval_point(int i) const { return levels_.points.at(static_cast<std::size_t>(i)); }

  // The solver's update x_i -> x_{i+1} from the estimate at x_i; reads and extends history.
  virtual torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i,
                             SolverHistory& history) = 0;
  // DRiffusion's draft of x_{i+k} from the anchor x_i (see above); history is not changed.
  torch::Tensor draft(const torch::Tensor& x, const torch::Tensor& denoised, int i, int k,
                      const SolverHistory& history);
  // First-order data-prediction exponential integrator i -> i+k (DDIM eta 0, Euler, flow
  // Euler x + (s_{i+k} - s_i) v are all this one formula), deterministic.
  torch::Tensor skip(const torch::Tensor& x, const torch::Tensor& denoised, int i, int k) const;
  virtual bool stochastic() const { return false; }
  // An estimate made at a draft of state i, used at the refined state x_i. Deterministic
  // solvers move it by the first-order response of the ideal denoiser under a Gaussian data
  // prior of per-coordinate standard deviation sigma_data: in exploding coordinates (r = sigma /
  // alpha) that denoiser is linear with slope sigma_data^2 / (sigma_data^2 + r^2), so
  //   D' = D + beta_i (x_i - draft) / alpha_i,  beta_i = sigma_data^2 / (sigma_data^2 + r_i^2).
  // At low noise beta -> 1 (the estimate kept as a noise prediction); at high noise beta -> 0
  // (the estimate held), where a noise prediction would amplify the draft's error by 1 / alpha.
  // Built-in model, DDIM aggressive width 4, CFG 5: 14.4 dB (noise prediction) -> 25.8 dB, top-1
  // 25 % -> 100 % (docs/fidelity.md). Stochastic solvers hold the x0 estimate: every response
  // measured for them (this one included) moved their images further from sequential.
  // Exact when draft == x_i: width 1 stays exact.
  static constexpr double kTransferSigmaData = 0.5;
  torch::Tensor transfer(const torch::Tensor& estimate, const torch::Tensor& draft, const torch::Tensor& x,
                         int i) const;

 protected:
  explicit Sampler(NoiseLevels levels) : levels_(std::move(levels)) {}
  void check_range(int i, int k) const;
  // The first-order step m -> m+1 with the step's own noise, used by drafts of stochastic
  // solvers; deterministic solvers never call it.
  virtual torch::Tensor noisy_first_order_step(const torch::Tensor& x, const torch::Tensor& denoised, int m) {
    return skip(x, denoised, m, 1);
  }

 private:
  NoiseLevels levels_;
};

struct SamplerOptions {
  SamplerKind kind = SamplerKind::DDIM;
  int steps = 25;
  double eta = 0.0;            // DDIM
  bool karras_sigmas = false;  // older spelling of schedule = Karras
  std::uint64_t seed = 0;      // for per-step noise
  std::vector<int64_t> state_shape;
  torch::TensorOptions state_options;
  ScheduleKind schedule = ScheduleKind::Default;
  double s_noise = 1.0;  // ancestral / SDE noise scale
};

// Throws UsageError for combinations the model cannot use (e.g. DDPM on a flow model).
// Dispatches to the solver's make_<id>_sampler (sampler_list.h) after the checks every solver
// shares.
std::unique_ptr<Sampler> make_sampler(const NoiseSchedule& schedule, const SamplerOptions& options);

// What make_sampler hands a solver's factory: the model's schedule, the options, and the noise
// levels and per-step noise request built from them the same way for every solver.
struct SolverContext {
  const NoiseSchedule& schedule;
  const SamplerOptions& options;
  ScheduleKind schedule_kind;  // options.schedule, or Karras for the older karras_sigmas flag
  NoiseRequest noise;
  // Variance-preserving levels whose last state has alpha_bar = final_alpha_bar (DDIM, DDPM, LCM).
  NoiseLevels vp(double final_alpha_bar) const;
  // Exploding levels (k-diffusion's solvers; flow sigmas on flow models).
  NoiseLevels ve() const;
};

// One factory per line of sampler_list.h, each defined in its solver's .cpp; may throw
// UsageError for options that solver cannot take.
#define DRF_DECLARE_SAMPLER_FACTORY(Kind, id, ...) std::unique_ptr<Sampler> make_##id##_sampler(const SolverContext& c);
DRIFFUSION_SAMPLERS(DRF_DECLARE_SAMPLER_FACTORY)
#undef DRF_DECLARE_SAMPLER_FACTORY

}  // namespace drf
