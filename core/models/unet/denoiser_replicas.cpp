#include "core/models/unet/denoiser_replicas.h"

#include <chrono>

#include "core/io/sha256.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {

std::shared_ptr<Denoiser> DenoiserReplicas::get(const torch::Device& device,
                                                const std::function<std::shared_ptr<Denoiser>()>& make) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& replica = replicas_[device.str()];
  if (!replica) replica = make();
  return replica;
}

LazyModelHash::LazyModelHash(std::string file) : file_(std::move(file)) {
  if (file_.empty()) return;
  std::packaged_task<std::string()> task([this] {
    const auto start = std::chrono::steady_clock::now();
    std::string hash = model_hash(file_, [this](std::uint64_t, std::uint64_t) {
      if (stop_.load(std::memory_order_relaxed)) throw Cancelled();
    });
    core_log()->debug("model hash of {}: {:.2f} s", file_,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return hash;
  });
  hash_ = task.get_future().share();
  thread_ = std::thread(std::move(task));
}

LazyModelHash::~LazyModelHash() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string LazyModelHash::get(const std::function<void()>& while_waiting) const {
  if (file_.empty()) return "";
  std::shared_future<std::string> hash = hash_;  // a copy per caller: callers may be several threads
  if (while_waiting)
    while (hash.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) while_waiting();
  return hash.get();
}

}  // namespace drf
