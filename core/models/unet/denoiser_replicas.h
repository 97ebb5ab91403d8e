// What every pipeline with a network keeps besides the network: its replicas on other devices
// (made once per device, on first use, by several SPMD workers at once) and the model hash
// (SHA-256 of a weights file, read once on first use: hashing gigabytes at load time would
// delay every model load, most of which never need it).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

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

class LazyModelHash {
 public:
  explicit LazyModelHash(std::string file = "") : file_(std::move(file)) {}
  // drf::model_hash(file) (first 10 hex digits), computed on the first call; "" without a file.
  std::string get() const;

 private:
  std::string file_;
  mutable std::mutex mutex_;
  mutable std::string hash_;
};

}  // namespace drf
