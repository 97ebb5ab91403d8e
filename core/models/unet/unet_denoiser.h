// The UNet as the samplers see it (drf::Denoiser): casts the input and the conditioning to
// the model's dtype, passes timesteps as float, runs without autograd, and returns the raw
// prediction (epsilon or v) in the model's dtype; GuidedPredictor converts it.
#pragma once
#include "core/models/unet/unet_2d_condition.h"
#include "core/sampling/denoiser.h"

namespace drf {

class UNetDenoiser : public Denoiser {
 public:
  UNetDenoiser(UNet2DConditionModel unet, PredictionType prediction, torch::Dtype dtype);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override;
  PredictionType prediction_type() const override { return prediction_; }
  UNet2DConditionModel& unet() { return unet_; }

 private:
  UNet2DConditionModel unet_;
  PredictionType prediction_;
  torch::Dtype dtype_;
  bool channels_last_ = false;  // on a GPU unless DRIFFUSION_CHANNELS_LAST=0
};

// A copy of `unet` on `device` (same config and dtype) as a denoiser: the replica each extra
// GPU of a multi-device run evaluates its drafts with.
std::shared_ptr<UNetDenoiser> replicate_unet_denoiser(const UNet2DConditionModel& unet, const UNetConfig& config,
                                                      PredictionType prediction, torch::Dtype dtype,
                                                      const torch::Device& device);

}  // namespace drf
