// Base -> refiner (SDXL's ensemble of expert denoisers): the base model denoises the high-noise
// part of the schedule, the refiner the rest, switching at a timestep (diffusers'
// denoising_end / denoising_start: the base keeps every t >= round(T - fraction * T)).
// The switch is a Denoiser, so the samplers, GuidedPredictor, the draft-refine loop and the SPMD
// workers run it unchanged: a batch whose rows sit on both sides of the switch (DRiffusion
// drafts at different steps) is split by row and each part goes to its own network.
#pragma once
#include <memory>

#include "core/sampling/conditioning.h"
#include "core/sampling/denoiser.h"

namespace drf {

// The first timestep the refiner takes: round(T - fraction * T), T = num_train_timesteps.
double refiner_switch_timestep(double fraction, int num_train_timesteps);

// The base's tensors as they are plus the refiner's as extras named "refiner.<name>" (context,
// pooled, time_ids, extras): one Conditioning that GuidedPredictor and the SPMD runner carry whole.
ConditioningTensors with_refiner_conditioning(const ConditioningTensors& base, const ConditioningTensors& refiner);
Conditioning with_refiner_conditioning(const Conditioning& base, const Conditioning& refiner);
// The two halves of with_refiner_conditioning's result.
ConditioningTensors base_part(const ConditioningTensors& both);
ConditioningTensors refiner_part(const ConditioningTensors& both);

class RefinerSwitchDenoiser : public Denoiser {
 public:
  // Both networks must predict the same parameterisation (UsageError otherwise).
  RefinerSwitchDenoiser(std::shared_ptr<Denoiser> base, std::shared_ptr<Denoiser> refiner, double switch_timestep);
  // Rows with t >= switch_timestep -> base (with base_part(c)), the others -> refiner.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override;
  PredictionType prediction_type() const override { return base_->prediction_type(); }

 private:
  std::shared_ptr<Denoiser> base_, refiner_;
  double switch_timestep_;
};

}  // namespace drf
