// The network as the samplers see it: a batched prediction for (input, timestep, context)
// triples (context plus a family's extra inputs), in the model's own parameterisation (epsilon, v or sample).
#pragma once
#include <torch/torch.h>

#include "core/sampling/conditioning.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

class Denoiser {
 public:
  virtual ~Denoiser() = default;
  // x: [B, C, H, W] network input; t: [B] float timesteps; c: [B, ...] conditioning tensors
  // (a plain context tensor converts to one).
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) = 0;
  virtual PredictionType prediction_type() const = 0;
};

}  // namespace drf
