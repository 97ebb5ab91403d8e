#include "core/engine/spmd_evaluator.h"

#include <chrono>

#include "core/util/device_sync.h"
#include "core/util/errors.h"

namespace drf {
namespace {
using Clock = std::chrono::steady_clock;
double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }
}  // namespace

std::vector<int64_t> split_rows(int64_t k, int workers) {
  std::vector<int64_t> counts(static_cast<std::size_t>(workers), k / workers);
  for (int64_t r = 0; r < k % workers; ++r) ++counts[static_cast<std::size_t>(r)];
  return counts;
}

SpmdEvaluator::SpmdEvaluator(int rank, TransportGroup& group, Transport& transport, GuidedPredictor& predictor,
                             const std::atomic<bool>* cancel, TimingBoard* timings, torch::Device device)
    : rank_(rank), group_(group), transport_(transport), predictor_(predictor), cancel_(cancel), board_(timings),
      device_(device) {}

torch::Tensor SpmdEvaluator::evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) {
  const int64_t k = states.size(0);
  const auto counts = split_rows(k, group_.size());
  int64_t start = 0;
  for (int r = 0; r < rank_; ++r) start += counts[static_cast<std::size_t>(r)];
  const int64_t mine = counts[static_cast<std::size_t>(rank_)];

  const auto t0 = Clock::now();
  torch::Tensor local;
  if (mine > 0) {
    std::vector<EvalPoint> my_points(points.begin() + start, points.begin() + start + mine);
    local = predictor_.predict(states.narrow(0, start, mine), my_points);
  } else {
    local = torch::empty({0}, states.options()).view(states.narrow(0, 0, 0).sizes());
  }
  if (board_) synchronize_device(device_);
  const auto t1 = Clock::now();
  // One host barrier per round, after every worker has queued its share and before any
  // collective is launched. It carries the leader's cancel flag, so all workers stop at the
  // same round, and it keeps host work that may synchronise a device (a CUDA-graph capture,
  // the allocator growing) from running while a peer's collective is already waiting for
  // it: on the 4x H200 run of 2026-11-22 that order stalled the AllGather until the watchdog.
  const bool leader_cancel = rank_ == 0 && cancel_ && cancel_->load(std::memory_order_relaxed);
  const bool processes = group_.process_rank() >= 0;
  if (processes ? agree_across_processes(leader_cancel) : group_.barrier().arrive_and_wait(rank_, leader_cancel))
    throw Cancelled();
  auto all = transport_.all_gather(local, counts);
  if (!board_) return all;

  synchronize_device(device_);
  const auto t2 = Clock::now();
  if (processes) {
    gather_process_timings(ms(t0, t1), ms(t1, t2));
    return all;
  }
  board_->slots[static_cast<std::size_t>(rank_)] =
      DeviceRoundTiming{rank_, device_.str(), ms(t0, t1), ms(t1, t2), 0, 0};
  group_.barrier().arrive_and_wait(rank_);  // every slot written
  if (rank_ == 0) {
    last_ = board_->slots;
    double slowest = 0;
    for (const auto& t : last_) slowest = std::max(slowest, t.eval_ms);
    for (auto& t : last_) t.idle_ms = slowest - t.eval_ms;
  }
  group_.barrier().arrive_and_wait(rank_);  // rank 0 has read the board
  return all;
}

// Workers in separate processes share no memory: the leader's cancel flag travels as one value
// per worker through the transport (rank 0's decides), before the round's collective.
bool SpmdEvaluator::agree_across_processes(bool leader_cancel) {
  const int n = group_.size();
  auto flag = torch::full({1, 1}, leader_cancel ? 1.0f : 0.0f, torch::TensorOptions().device(device_));
  auto all = transport_.all_gather(flag, std::vector<int64_t>(static_cast<std::size_t>(n), 1));
  return all[0][0].item<float>() != 0.0f;
}

// Each process measured its own share; rank 0 receives everybody's (eval, gather) times.
void SpmdEvaluator::gather_process_timings(double eval_ms, double gather_ms) {
  const int n = group_.size();
  auto mine = torch::tensor({static_cast<float>(eval_ms), static_cast<float>(gather_ms)}).view({1, 2}).to(device_);
  auto all = transport_.all_gather(mine, std::vector<int64_t>(static_cast<std::size_t>(n), 1)).cpu();
  if (rank_ != 0) return;
  last_.clear();
  double slowest = 0;
  for (int r = 0; r < n; ++r) {
    last_.push_back(DeviceRoundTiming{r, group_.worker_label(r), all[r][0].item<double>(), all[r][1].item<double>(), 0, 0});
    slowest = std::max(slowest, last_.back().eval_ms);
  }
  for (auto& t : last_) t.idle_ms = slowest - t.eval_ms;
}

}  // namespace drf
