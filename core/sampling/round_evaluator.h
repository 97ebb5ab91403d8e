// Where a round's network evaluations run. The samplers hand every state of a round to
// evaluate() and get every estimate back; a single-device evaluator makes one batched call,
// a multi-device (SPMD) evaluator computes its share and gathers the rest (gpu/ and
// core/engine/copy_transport.h). Cancellation is decided here, so that all workers of an SPMD
// run stop at the same round.
#pragma once
#include <atomic>
#include <vector>

#include "core/sampling/device_round_timing.h"
#include "core/sampling/guided_predictor.h"

namespace drf {

class RoundEvaluator {
 public:
  virtual ~RoundEvaluator() = default;
  // states: [k, ...]; returns [k, ...] x0 estimates ("denoised"). Throws Cancelled when the run was
  // cancelled before this call.
  virtual torch::Tensor evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) = 0;
  // Per-device timing of the last evaluate() (may be empty when not measured).
  virtual std::vector<DeviceRoundTiming> last_timings() const { return {}; }
};

// One predictor, one batched call per round, on the calling thread.
class LocalEvaluator : public RoundEvaluator {
 public:
  LocalEvaluator(GuidedPredictor& predictor, const std::atomic<bool>* cancel, std::string device_name = "cpu",
                 bool measure = false)
      : predictor_(predictor), cancel_(cancel), device_name_(std::move(device_name)), measure_(measure) {}
  torch::Tensor evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) override;
  std::vector<DeviceRoundTiming> last_timings() const override { return timings_; }

 private:
  GuidedPredictor& predictor_;
  const std::atomic<bool>* cancel_;
  std::string device_name_;
  bool measure_;
  std::vector<DeviceRoundTiming> timings_;
};

}  // namespace drf
