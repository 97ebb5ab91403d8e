#include "core/engine/host_barrier.h"

#include "core/util/errors.h"

namespace drf {

bool HostBarrier::arrive_and_wait(int rank, bool value) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (aborted_) throw Error(ErrorKind::Internal, reason_);
  if (rank == 0) leader_value_ = value;
  const long gen = generation_;
  if (++waiting_ == parties_) {
    waiting_ = 0;
    published_ = leader_value_;
    ++generation_;
    cv_.notify_all();
    return published_;
  }
  cv_.wait(lock, [&] { return generation_ != gen || aborted_; });
  if (generation_ == gen) throw Error(ErrorKind::Internal, reason_);
  return published_;
}

void HostBarrier::abort(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (aborted_) return;
  aborted_ = true;
  reason_ = "worker group aborted: " + reason;
  cv_.notify_all();
}

bool HostBarrier::aborted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return aborted_;
}

}  // namespace drf
