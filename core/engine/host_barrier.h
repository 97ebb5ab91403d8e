// A reusable barrier for the worker threads of one SPMD run that can be aborted: when one
// worker fails, abort() wakes every waiting worker with an error instead of leaving it
// blocked forever. Also carries one value from the leader to everybody (agreement).
#pragma once
#include <condition_variable>
#include <mutex>
#include <string>

namespace drf {

class HostBarrier {
 public:
  explicit HostBarrier(int parties) : parties_(parties) {}
  // Blocks until all parties arrived; returns the value the leader (rank 0) passed. Throws
  // drf::Error (Internal, or the abort reason) once aborted.
  bool arrive_and_wait(int rank, bool value = false);
  void abort(const std::string& reason);
  bool aborted() const;

 private:
  int parties_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int waiting_ = 0;
  long generation_ = 0;
  bool leader_value_ = false;
  bool published_ = false;
  bool aborted_ = false;
  std::string reason_;
};

}  // namespace drf
