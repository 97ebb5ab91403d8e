// The SD3 transformer as the samplers see it (drf::Denoiser): the latent, the conditioning's
// "context" [B, S, 4096] and "pooled" [B, 2048] in the model's dtype, timesteps sigma * 1000 as
// float; returns the flow velocity (noise - x0) without autograd.
#pragma once
#include "core/models/sd3/sd3_transformer.h"
#include "core/sampling/denoiser.h"

namespace drf {

class Sd3Denoiser : public Denoiser {
 public:
  Sd3Denoiser(SD3Transformer2DModel transformer, torch::Dtype dtype);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override;
  PredictionType prediction_type() const override { return PredictionType::FlowVelocity; }
  SD3Transformer2DModel& transformer() { return transformer_; }

 private:
  SD3Transformer2DModel transformer_;
  torch::Dtype dtype_;
};

// A copy of `transformer` (parameters and the position table) on `device`: the replica each
// extra device of a multi-device run evaluates its drafts with.
std::shared_ptr<Sd3Denoiser> replicate_sd3_denoiser(const SD3Transformer2DModel& transformer, torch::Dtype dtype,
                                                    const torch::Device& device);

}  // namespace drf
