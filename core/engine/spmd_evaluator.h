// The RoundEvaluator of one worker in an SPMD run: it evaluates its contiguous share of the
// round's states and gathers everybody's estimates through the transport, so every worker
// refines identically. Between queueing their share and the gather the workers agree (one
// host barrier) on whether the run was cancelled, so they all stop at the same round.
#pragma once
#include <atomic>
#include <vector>

#include "core/engine/transport.h"
#include "core/sampling/round_evaluator.h"

namespace drf {

// Shared by the workers of one run: each writes its own timing slot; rank 0 reads all.
struct TimingBoard {
  explicit TimingBoard(int workers) : slots(static_cast<std::size_t>(workers)) {}
  std::vector<DeviceRoundTiming> slots;
};

// Rows of a k-state round each worker evaluates: balanced, earlier ranks take the remainder.
std::vector<int64_t> split_rows(int64_t k, int workers);

class SpmdEvaluator : public RoundEvaluator {
 public:
  SpmdEvaluator(int rank, TransportGroup& group, Transport& transport, GuidedPredictor& predictor,
                const std::atomic<bool>* cancel, TimingBoard* timings, torch::Device device);
  torch::Tensor evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) override;
  std::vector<DeviceRoundTiming> last_timings() const override { return last_; }

 private:
  bool agree_across_processes(bool leader_cancel);
  void gather_process_timings(double eval_ms, double gather_ms);

  int rank_;
  TransportGroup& group_;
  Transport& transport_;
  GuidedPredictor& predictor_;
  const std::atomic<bool>* cancel_;
  TimingBoard* board_;  // null: no timing (no device syncs)
  torch::Device device_;
  std::vector<DeviceRoundTiming> last_;
};

}  // namespace drf
