// The analytic model: a class-conditional Gaussian mixture whose optimal noise predictor is
// closed-form, so every sampler and both DRiffusion modes run on it with no weights. It is
// the test oracle (exact target distribution) and the first demo model of the app.
//
// Data: x0 in R^D (D = 3 x 4 x 4, shown as a tiny RGB picture), K isotropic components
// mu_k + s_k * N(0, I) with weights w_k. Conditioning is a weight vector over components:
// the prompt "red" selects the red components, the empty prompt keeps the prior weights.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/sampling/denoiser.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

struct GaussianMixture {
  torch::Tensor means;    // [K, D] float64
  torch::Tensor stds;     // [K]
  torch::Tensor weights;  // [K], sums to 1
  std::vector<std::string> component_class;  // class name of each component
  std::vector<std::string> classes;           // distinct class names in order

  int components() const { return static_cast<int>(means.size(0)); }
  int dims() const { return static_cast<int>(means.size(1)); }
  // Component weights for a prompt: components of the classes whose name occurs in the
  // prompt (renormalised); the prior weights when none does.
  torch::Tensor weights_for_prompt(const std::string& prompt) const;
  // n exact samples from the mixture under `weights` ([n, D] float64).
  torch::Tensor sample(int n, const torch::Tensor& weights, std::uint64_t seed) const;
};

// The demo mixture: 4 colour classes ("red", "green", "blue", "gold") x 2 patterns.
GaussianMixture make_demo_mixture();

// Optimal epsilon (or v / sample) predictor of the mixture under a noise schedule.
// Input x: [B, ...] with numel per row a multiple of D (several samples per row allowed);
// context: [B, K] component weights.
class GaussianMixtureDenoiser : public Denoiser {
 public:
  GaussianMixtureDenoiser(GaussianMixture mixture, const NoiseSchedule& schedule,
                          PredictionType output = PredictionType::Epsilon);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override;
  PredictionType prediction_type() const override { return output_; }
  const GaussianMixture& mixture() const { return mixture_; }
  // abar at a (possibly fractional) training timestep, log-sigma interpolated as the Euler
  // sampler's Karras timesteps assume.
  double alpha_bar_at(double t) const;

 private:
  GaussianMixture mixture_;
  std::vector<double> log_sigmas_;
  PredictionType output_;
};

}  // namespace drf
