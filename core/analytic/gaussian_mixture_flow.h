// The analytic mixture in flow-matching form (SD3's rectified flow): x_s = (1 - s) x0 + s eps,
// s in [0, 1], and the network predicts the velocity v = eps - x0. For the Gaussian mixture the
// optimal (posterior-mean) velocity is closed-form: component k gives x_s ~ N((1 - s) mu_k,
// ((1 - s)^2 s_k^2 + s^2) I), and with its responsibility r_k(x_s)
//   E[v | x_s] = sum_k r_k [ (s - (1 - s) s_k^2) / var_k (x_s - (1 - s) mu_k) - mu_k ].
// So flow solvers and DRiffusion's flow skip run on it with an exact target, as the VP oracle
// (gaussian_mixture.h) does for epsilon models.
#pragma once
#include "core/analytic/gaussian_mixture.h"

namespace drf {

// SD3's scheduler (FlowMatchEulerDiscreteScheduler, 1000 training steps) with this shift.
ScheduleConfig analytic_flow_schedule_config(double shift);

// Input x: [B, ...] with numel per row a multiple of D; t: [B] timesteps = s * 1000 (as the
// sampling core passes a flow model's sigma); context: [B, K] component weights.
class GaussianMixtureFlowDenoiser : public Denoiser {
 public:
  explicit GaussianMixtureFlowDenoiser(GaussianMixture mixture, int num_train_timesteps = 1000);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override;
  PredictionType prediction_type() const override { return PredictionType::FlowVelocity; }
  const GaussianMixture& mixture() const { return mixture_; }

 private:
  GaussianMixture mixture_;
  double num_train_timesteps_;
};

}  // namespace drf
