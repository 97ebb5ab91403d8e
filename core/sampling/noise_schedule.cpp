#include "core/sampling/noise_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/util/errors.h"

namespace drf {

BetaSchedule parse_beta_schedule(const std::string& s) {
  if (s == "linear") return BetaSchedule::Linear;
  if (s == "scaled_linear") return BetaSchedule::ScaledLinear;
  if (s == "squaredcos_cap_v2") return BetaSchedule::SquaredCosCapV2;
  throw InputError("unsupported beta_schedule '" + s + "' (expected linear, scaled_linear or squaredcos_cap_v2)");
}

TimestepSpacing parse_timestep_spacing(const std::string& s) {
  if (s == "leading") return TimestepSpacing::Leading;
  if (s == "trailing") return TimestepSpacing::Trailing;
  if (s == "linspace") return TimestepSpacing::Linspace;
  throw InputError("unsupported timestep_spacing '" + s + "' (expected leading, trailing or linspace)");
}

PredictionType parse_prediction_type(const std::string& s) {
  if (s == "epsilon") return PredictionType::Epsilon;
  if (s == "v_prediction") return PredictionType::VPrediction;
  if (s == "sample") return PredictionType::Sample;
  if (s == "flow") return PredictionType::FlowVelocity;
  throw InputError("unsupported prediction_type '" + s + "' (expected epsilon, v_prediction, sample or flow)");
}

const char* prediction_type_name(PredictionType p) {
  switch (p) {
    case PredictionType::Epsilon: return "epsilon";
    case PredictionType::VPrediction: return "v_prediction";
    case PredictionType::Sample: return "sample";
    case PredictionType::FlowVelocity: return "flow";
  }
  return "epsilon";
}

namespace {

std::vector<double> make_betas(const ScheduleConfig& c) {
  const int T = c.num_train_timesteps;
  std::vector<double> betas(static_cast<std::size_t>(T));
  for (int t = 0; t < T; ++t) {
    const double f = T == 1 ? 0.0 : static_cast<double>(t) / (T - 1);
    switch (c.beta_schedule) {
      case BetaSchedule::Linear:
        betas[t] = c.beta_start + f * (c.beta_end - c.beta_start);
        break;
      case BetaSchedule::ScaledLinear: {
        const double s = std::sqrt(c.beta_start) + f * (std::sqrt(c.beta_end) - std::sqrt(c.beta_start));
        betas[t] = s * s;
        break;
      }
      case BetaSchedule::SquaredCosCapV2: {
        // numpy rounds half to even: nearbyint does the same in the default rounding mode.
        // Nichol & Dhariwal's cosine schedule, as diffusers' betas_for_alpha_bar.
        auto abar = [](double x) { return std::pow(std::cos((x + 0.008) / 1.008 * M_PI / 2), 2); };
        const double t1 = static_cast<double>(t) / T, t2 = static_cast<double>(t + 1) / T;
        betas[t] = std::min(1.0 - abar(t2) / abar(t1), 0.999);
        break;
      }
    }
  }
  return betas;
}

}  // namespace

NoiseSchedule::NoiseSchedule(const ScheduleConfig& config) : config_(config) {
  if (config.num_train_timesteps < 2 || config.num_train_timesteps > 100000)
    throw InputError("num_train_timesteps " + std::to_string(config.num_train_timesteps) + " is out of range 2..100000");
  if (!(config.beta_start > 0 && config.beta_end < 1 && config.beta_start <= config.beta_end))
    throw InputError("beta_start/beta_end must satisfy 0 < beta_start <= beta_end < 1");
  if (config.flow_matching && !(std::isfinite(config.shift) && config.shift > 0 && config.shift <= 100))
    throw InputError("flow-matching shift must be in (0, 100], got " + std::to_string(config.shift));
  double prod = 1.0;
  for (double b : make_betas(config)) {
    prod *= 1.0 - b;
    alphas_cumprod_.push_back(prod);
  }
}

std::vector<int> NoiseSchedule::timesteps(int steps) const {
  const int T = config_.num_train_timesteps;
  if (steps < 1 || steps > T)
    throw UsageError("steps must be between 1 and " + std::to_string(T) + ", got " + std::to_string(steps));
  std::vector<int> ts(static_cast<std::size_t>(steps));
  switch (config_.spacing) {
    case TimestepSpacing::Leading: {
      const int ratio = T / steps;
      for (int i = 0; i < steps; ++i) ts[i] = (steps - 1 - i) * ratio + config_.steps_offset;
      break;
    }
    case TimestepSpacing::Trailing: {
      const double ratio = static_cast<double>(T) / steps;
      for (int i = 0; i < steps; ++i) ts[i] = static_cast<int>(std::nearbyint(T - i * ratio)) - 1;
      break;
    }
    case TimestepSpacing::Linspace:
      for (int i = 0; i < steps; ++i)
        ts[i] = static_cast<int>(std::nearbyint(steps == 1 ? 0.0 : (steps - 1 - i) * ((T - 1.0) / (steps - 1))));  // numpy.linspace
      break;
  }
  for (int& t : ts) t = std::clamp(t, 0, T - 1);
  return ts;
}

}  // namespace drf
