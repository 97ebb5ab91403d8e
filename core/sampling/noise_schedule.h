// Training noise schedule (betas -> cumulative alpha products) and inference timestep
// selection, mirroring the fields of a diffusers scheduler_config.json.
#pragma once
#include <string>
#include <vector>

namespace drf {

enum class BetaSchedule { Linear, ScaledLinear, SquaredCosCapV2 };
enum class TimestepSpacing { Leading, Trailing, Linspace };
// FlowVelocity: a flow-matching model's v = noise - x0 for x_s = (1 - s) x0 + s noise (SD3, Flux).
enum class PredictionType { Epsilon, VPrediction, Sample, FlowVelocity };

struct ScheduleConfig {
  int num_train_timesteps = 1000;
  double beta_start = 0.00085;
  double beta_end = 0.012;
  BetaSchedule beta_schedule = BetaSchedule::ScaledLinear;
  TimestepSpacing spacing = TimestepSpacing::Leading;
  int steps_offset = 1;
  bool set_alpha_to_one = false;  // DDIM: abar after the last step is 1 (else abar[0])
  PredictionType prediction = PredictionType::Epsilon;
  // Flow matching (diffusers' FlowMatchEulerDiscreteScheduler): sigmas in (0, 1], no betas;
  // shift s maps sigma -> s sigma / (1 + (s - 1) sigma).
  bool flow_matching = false;
  double shift = 1.0;
  // The scheduler config names LCMScheduler or TCDScheduler: the model was consistency-distilled
  // for few-step LCM sampling (the LCM sampler, about 4 steps, CFG 1). The schedule is the same.
  bool consistency_distilled = false;
};

BetaSchedule parse_beta_schedule(const std::string& s);        // throws InputError naming s
TimestepSpacing parse_timestep_spacing(const std::string& s);  // throws InputError naming s
PredictionType parse_prediction_type(const std::string& s);    // throws InputError naming s
const char* prediction_type_name(PredictionType p);

class NoiseSchedule {
 public:
  explicit NoiseSchedule(const ScheduleConfig& config);

  const ScheduleConfig& config() const { return config_; }
  // Cumulative product of (1 - beta) for training timestep t in [0, T).
  double alpha_bar(int t) const { return alphas_cumprod_.at(static_cast<std::size_t>(t)); }
  const std::vector<double>& alphas_cumprod() const { return alphas_cumprod_; }
  // N inference timesteps, descending (tau_0 > ... > tau_{N-1}); throws UsageError if N is
  // outside 1..num_train_timesteps.
  std::vector<int> timesteps(int steps) const;

 private:
  ScheduleConfig config_;
  std::vector<double> alphas_cumprod_;
};

}  // namespace drf
