// "Evaluate these k (state, index) pairs under this conditioning": classifier-free guidance
// (one batch of unconditional + conditional inputs, as diffusers orders them) and the
// conversion of the network output to epsilon. Every sampler, sequential or DRiffusion, on
// one device or several, reaches the network only through this class.
#pragma once
#include <vector>

#include "core/sampling/denoiser.h"
#include "core/sampling/sampler.h"

namespace drf {

struct Conditioning {
  torch::Tensor cond;    // [1, ...]
  torch::Tensor uncond;  // [1, ...]; undefined when guidance is off
  double guidance = 1.0;
  bool guided() const { return uncond.defined() && guidance != 1.0; }
};

class GuidedPredictor {
 public:
  GuidedPredictor(Denoiser& denoiser, Conditioning conditioning)
      : denoiser_(denoiser), conditioning_(std::move(conditioning)) {}

  // states: [k, C, H, W] sampler states; returns [k, C, H, W] epsilon estimates.
  torch::Tensor predict(const torch::Tensor& states, const std::vector<EvalPoint>& points);
  // Network batch rows one predict() call of k states uses.
  int rows_per_state() const { return conditioning_.guided() ? 2 : 1; }

 private:
  Denoiser& denoiser_;
  Conditioning conditioning_;
};

// Output of the network in `type` -> epsilon, for input x_in at noise level alpha_bar ([k,1,1,1]).
torch::Tensor to_epsilon(PredictionType type, const torch::Tensor& output, const torch::Tensor& x_in,
                         const torch::Tensor& alpha_bar);

}  // namespace drf
