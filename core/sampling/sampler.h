// A sampler for one run of N steps: the states x_0 .. x_N, where x_i sits at timestep tau_i
// and x_N is the clean sample. Each sampler provides the ordinary update step(i -> i+1) and
// the closed-form skip(i -> i+k) of DRiffusion (docs/method.md). step is
// defined as skip with k = 1, so the two share one code path and agree bit for bit.
#pragma once
#include <memory>
#include <string>
#include <torch/torch.h>

#include "core/engine/settings.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

// How the network must be called for state i: input = c_in * x_i, timestep, and the alpha
// product that converts its output (epsilon, v or sample) to epsilon.
struct EvalPoint {
  double c_in = 1.0;
  double timestep = 0.0;
  double alpha_bar = 0.0;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  int steps() const { return steps_; }
  virtual std::string name() const = 0;

  // x_0 from unit Gaussian noise.
  virtual torch::Tensor initial_state(const torch::Tensor& unit_noise) const { return unit_noise; }
  virtual EvalPoint eval_point(int i) const = 0;
  // x_{i+k} from x_i and the epsilon estimate at x_i; 1 <= k, i + k <= N.
  virtual torch::Tensor skip(const torch::Tensor& x, const torch::Tensor& eps, int i, int k) = 0;
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& eps, int i) { return skip(x, eps, i, 1); }
  // Whether skip/step add noise (then drafts and refine use per-step noise).
  virtual bool stochastic() const { return false; }

 protected:
  explicit Sampler(int steps) : steps_(steps) {}
  void check_range(int i, int k) const;

 private:
  int steps_;
};

struct SamplerOptions {
  SamplerKind kind = SamplerKind::DDIM;
  int steps = 25;
  double eta = 0.0;
  bool karras_sigmas = false;
  std::uint64_t seed = 0;  // for per-step noise
  std::vector<int64_t> state_shape;
  torch::TensorOptions state_options;
};

std::unique_ptr<Sampler> make_sampler(const NoiseSchedule& schedule, const SamplerOptions& options);

}  // namespace drf
