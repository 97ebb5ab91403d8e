#include "core/sampling/round_evaluator.h"

#include <chrono>

#include "core/util/device_sync.h"
#include "core/util/errors.h"

namespace drf {

torch::Tensor LocalEvaluator::evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) {
  if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw Cancelled();
  if (!measure_) return predictor_.predict(states, points);
  const auto t0 = std::chrono::steady_clock::now();
  auto eps = predictor_.predict(states, points);
  synchronize_device(eps.device());  // only when timings were asked for
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  timings_ = {DeviceRoundTiming{0, device_name_, ms, 0, 0, 0}};
  return eps;
}

}  // namespace drf
