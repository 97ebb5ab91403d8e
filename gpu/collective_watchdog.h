// Turns a stuck or failed collective into an error instead of a hang (the approach of
// nccl-tests' src/common.cu): workers hand it a CUDA event recorded after each collective; a
// thread polls the events and the communicators' async errors, and aborts the whole group
// when one fails or does not complete within the timeout.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <cuda_runtime.h>

namespace drf::gpu {

class CollectiveWatchdog {
 public:
  // `check_async` returns a non-empty message when a communicator reported an error;
  // `on_failure` aborts the group with the message.
  CollectiveWatchdog(std::chrono::milliseconds timeout, std::function<std::string()> check_async,
                     std::function<void(const std::string&)> on_failure);
  ~CollectiveWatchdog();
  // Watch a collective of worker `rank` on `device`; the event is owned by the watchdog.
  void watch(cudaEvent_t event, int rank, const std::string& device);

 private:
  struct Pending {
    cudaEvent_t event;
    int rank;
    std::string device;
    std::chrono::steady_clock::time_point deadline;
  };
  void loop();

  std::chrono::milliseconds timeout_;
  std::function<std::string()> check_async_;
  std::function<void(const std::string&)> on_failure_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Pending> pending_;
  bool stop_ = false;
  bool failed_ = false;
  std::thread thread_;
};

}  // namespace drf::gpu
