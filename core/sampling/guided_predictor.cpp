#include "core/sampling/guided_predictor.h"

#include <cmath>

#include "core/util/balanced_parts.h"
#include "core/util/errors.h"

namespace drf {

DenoiseCoefficients denoise_coefficients(PredictionType type, const EvalPoint& p) {
  const double a = p.alpha_bar;
  switch (type) {
    case PredictionType::Epsilon:  // x_in = sqrt(a) x0 + sqrt(1-a) eps
      return {1.0 / std::sqrt(a), -std::sqrt(1.0 - a) / std::sqrt(a)};
    case PredictionType::VPrediction:  // v = sqrt(a) eps - sqrt(1-a) x0
      return {std::sqrt(a), -std::sqrt(1.0 - a)};
    case PredictionType::Sample:
      return {0.0, 1.0};
    case PredictionType::FlowVelocity:  // x_in = (1-s) x0 + s n, v = n - x0
      return {1.0, -p.flow_sigma};
  }
  throw Error(ErrorKind::Internal, "unknown prediction type");
}

namespace {

// A round's few per-state values go to the device from pinned memory without a stream
// synchronisation (a plain copy from pageable memory waits for the stream), so the host keeps
// queueing work ahead of the GPU. Converted to the target dtype on the host: same rounding.
torch::Tensor values_on(const std::vector<double>& values, const torch::TensorOptions& options) {
  auto host = torch::tensor(values, torch::TensorOptions().dtype(torch::kFloat64)).to(options.dtype());
  if (!options.device().is_cuda()) return host;
  return host.pin_memory().to(options, /*non_blocking=*/true);
}

}  // namespace

torch::Tensor GuidedPredictor::predict(const torch::Tensor& states, const std::vector<EvalPoint>& points) {
  const int64_t k = states.size(0);
  if (static_cast<int64_t>(points.size()) != k)
    throw Error(ErrorKind::Internal, "predict: states and eval points differ in count");
  if (max_states_per_call_ <= 0 || k <= max_states_per_call_) return predict_one_call(states, points);
  // Calls of balanced size: one batch shape (one CUDA graph) where possible.
  const int64_t per_call = balanced_part_size(k, max_states_per_call_);
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < k; first += per_call) {
    const int64_t n = std::min(per_call, k - first);
    const std::vector<EvalPoint> slice(points.begin() + first, points.begin() + first + n);
    parts.push_back(predict_one_call(states.narrow(0, first, n), slice));
  }
  return torch::cat(parts);
}

torch::Tensor GuidedPredictor::predict_one_call(const torch::Tensor& states, const std::vector<EvalPoint>& points) {
  const int64_t k = states.size(0);
  std::vector<double> c_in, t, c_skip, c_out;
  for (const EvalPoint& p : points) {
    c_in.push_back(p.c_in);
    t.push_back(p.timestep);
    const DenoiseCoefficients dc = denoise_coefficients(denoiser_.prediction_type(), p);
    c_skip.push_back(dc.c_skip);
    c_out.push_back(dc.c_out);
  }
  std::vector<int64_t> bshape(static_cast<std::size_t>(states.dim()), 1);
  bshape[0] = k;
  auto c_in_t = values_on(c_in, states.options()).view(bshape);
  auto c_skip_t = values_on(c_skip, states.options()).view(bshape);
  auto c_out_t = values_on(c_out, states.options()).view(bshape);
  auto t_t = values_on(t, torch::TensorOptions().dtype(torch::kFloat32).device(states.device()));

  auto x_in = states * c_in_t;
  // The network's inputs: every conditioning tensor repeated per state, unconditional rows
  // first when guided (diffusers' order).
  const Conditioning& c = conditioning_;
  torch::Tensor out;
  if (c.guided()) {
    auto inputs = ConditioningTensors::cat({c.uncond.repeat_rows(k), c.cond.repeat_rows(k)});
    auto both = denoiser_.forward(torch::cat({x_in, x_in}), torch::cat({t_t, t_t}), inputs);
    auto parts = both.chunk(2);
    out = parts[0] + (parts[1] - parts[0]) * c.guidance;
  } else {
    out = denoiser_.forward(x_in, t_t, c.cond.repeat_rows(k));
  }
  // The common currency of the solvers: the x0 estimate, whatever the parameterisation.
  return x_in * c_skip_t + out.to(states.scalar_type()) * c_out_t;
}

}  // namespace drf
