#include "gpu/collective_watchdog.h"

namespace drf::gpu {

CollectiveWatchdog::CollectiveWatchdog(std::chrono::milliseconds timeout, std::function<std::string()> check_async,
                                       std::function<void(const std::string&)> on_failure)
    : timeout_(timeout), check_async_(std::move(check_async)), on_failure_(std::move(on_failure)) {
  thread_ = std::thread([this] { loop(); });
}

CollectiveWatchdog::~CollectiveWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& p : pending_) cudaEventDestroy(p.event);
}

void CollectiveWatchdog::watch(cudaEvent_t event, int rank, const std::string& device) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back({event, rank, device, std::chrono::steady_clock::now() + timeout_});
}

void CollectiveWatchdog::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(20));
    if (stop_ || failed_) continue;
    std::string failure = check_async_();
    const auto now = std::chrono::steady_clock::now();
    for (auto it = pending_.begin(); failure.empty() && it != pending_.end();) {
      const cudaError_t st = cudaEventQuery(it->event);
      if (st == cudaSuccess) {
        cudaEventDestroy(it->event);
        it = pending_.erase(it);
      } else if (st != cudaErrorNotReady) {
        failure = "collective on " + it->device + " failed: " + cudaGetErrorString(st);
      } else if (now > it->deadline) {
        failure = "collective on " + it->device + " did not complete within " +
                  std::to_string(timeout_.count() / 1000) + " s (a device stopped responding)";
      } else {
        ++it;
      }
    }
    if (!failure.empty()) {
      failed_ = true;
      lock.unlock();
      on_failure_(failure);
      lock.lock();
    }
  }
}

}  // namespace drf::gpu
