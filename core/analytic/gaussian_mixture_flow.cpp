#include "core/analytic/gaussian_mixture_flow.h"

#include <algorithm>

#include "core/util/errors.h"

namespace drf {

ScheduleConfig analytic_flow_schedule_config(double shift) {
  ScheduleConfig s;
  s.flow_matching = true;
  s.prediction = PredictionType::FlowVelocity;
  s.num_train_timesteps = 1000;
  s.steps_offset = 0;
  s.shift = shift;
  return s;
}

GaussianMixtureFlowDenoiser::GaussianMixtureFlowDenoiser(GaussianMixture mixture, int num_train_timesteps)
    : mixture_(std::move(mixture)), num_train_timesteps_(num_train_timesteps) {}

torch::Tensor GaussianMixtureFlowDenoiser::forward(const torch::Tensor& x, const torch::Tensor& t,
                                                   const ConditioningTensors& c) {
  const torch::Tensor& context = c.context;  // the mixture's component weights
  const int64_t B = x.size(0), D = mixture_.dims();
  if (x[0].numel() % D != 0)
    throw UsageError("analytic flow model: a state of " + std::to_string(x[0].numel()) + " values is not a multiple of " +
                     std::to_string(D));
  if (context.dim() != 2 || context.size(0) != B || context.size(1) != mixture_.components())
    throw Error(ErrorKind::Internal, "analytic flow model: context must be [B, K]");
  auto xd = x.to(torch::kCPU, torch::kFloat64).reshape({B, -1, D});                      // [B, S, D]
  auto s = (t.to(torch::kCPU, torch::kFloat64) / num_train_timesteps_).clamp(0.0, 1.0).view({B, 1, 1, 1});
  auto a = 1 - s;                                                                         // x0's share
  auto s2 = mixture_.stds.pow(2).view({1, 1, -1, 1});                                     // [1,1,K,1]
  auto var = a.pow(2) * s2 + s.pow(2);                                                    // [B,1,K,1]
  auto mu = mixture_.means.view({1, 1, -1, D});
  auto diff = xd.unsqueeze(2) - a * mu;                                                   // [B,S,K,D]
  auto logp = -0.5 * diff.pow(2).sum(-1, true) / var - 0.5 * D * var.log();               // [B,S,K,1]
  auto logw = context.to(torch::kCPU, torch::kFloat64).clamp_min(1e-300).log().view({B, 1, -1, 1});
  auto resp = torch::softmax(logp + logw, 2);                                             // [B,S,K,1]
  // Per component: E[eps] - E[x0] = s/var diff - (mu + a s_k^2/var diff).
  auto v_k = (s - a * s2) / var * diff - mu;                                              // [B,S,K,D]
  auto v = (resp * v_k).sum(2);                                                           // [B,S,D]
  return v.reshape(x.sizes()).to(x.device(), torch::kFloat32);
}

}  // namespace drf
