// "Evaluate these k (state, index) pairs under this conditioning": classifier-free guidance
// (one batch of unconditional + conditional inputs, as diffusers orders them) and the
// conversion of the network output to the x0 estimate. Every sampler, sequential or DRiffusion, on
// one device or several, reaches the network only through this class.
#pragma once
#include <vector>

#include "core/sampling/conditioning.h"
#include "core/sampling/denoiser.h"
#include "core/sampling/sampler.h"

namespace drf {

class GuidedPredictor {
 public:
  // max_states_per_call > 0 splits a predict() of more states into network calls of at most
  // that many (bounding the activation memory of a batch of drafts); 0 = one call.
  GuidedPredictor(Denoiser& denoiser, Conditioning conditioning, int max_states_per_call = 0)
      : denoiser_(denoiser), conditioning_(std::move(conditioning)), max_states_per_call_(max_states_per_call) {}

  // states: [k, C, H, W] sampler states; returns [k, C, H, W] x0 estimates ("denoised").
  torch::Tensor predict(const torch::Tensor& states, const std::vector<EvalPoint>& points);
  // Network batch rows one state uses in a call.
  int rows_per_state() const { return conditioning_.rows_per_state(); }
  int max_states_per_call() const { return max_states_per_call_; }

 private:
  torch::Tensor predict_one_call(const torch::Tensor& states, const std::vector<EvalPoint>& points);

  Denoiser& denoiser_;
  Conditioning conditioning_;
  int max_states_per_call_;
};

// The x0 estimate ("denoised") from the network output at eval point p:
// denoised = c_skip * x_in + c_out * output, for the model's parameterisation.
struct DenoiseCoefficients {
  double c_skip, c_out;
};
DenoiseCoefficients denoise_coefficients(PredictionType type, const EvalPoint& p);

}  // namespace drf
