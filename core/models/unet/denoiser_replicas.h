// What every pipeline with a network keeps besides the network: its replicas on other devices
// (made once per device, on first use, by several SPMD workers at once) and the model hash
// (SHA-256 of a weights file, hashed in the background so that no load waits for it).
#pragma once
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <torch/torch.h>

#include "core/sampling/denoiser.h"

namespace drf {

class DenoiserReplicas {
 public:
  // The replica for `device`: made by `make` the first time, the same object after. Thread-safe.
  std::shared_ptr<Denoiser> get(const torch::Device& device, const std::function<std::shared_ptr<Denoiser>()>& make);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Denoiser>> replicas_;
};

// The model hash, computed on a background thread from construction on: the first hash of a
// multi-GB file (seconds, file_hash_cache.h remembers it after) then runs beside text encoding
// and sampling instead of before them.
class LazyModelHash {
 public:
  explicit LazyModelHash(std::string file = "");
  ~LazyModelHash();  // stops an unfinished hash (unloading a model need not wait for it)
  LazyModelHash(const LazyModelHash&) = delete;
  LazyModelHash& operator=(const LazyModelHash&) = delete;
  // drf::model_hash(file) (first 10 hex digits), waiting for the background hash; "" without a
  // file. Rethrows its error (InputError naming an unreadable file). `while_waiting` is called
  // every ~50 ms while the hash runs; what it throws ends the wait (the hash goes on).
  std::string get(const std::function<void()>& while_waiting = {}) const;

 private:
  std::string file_;
  std::atomic<bool> stop_{false};
  std::shared_future<std::string> hash_;
  std::thread thread_;
};

}  // namespace drf
