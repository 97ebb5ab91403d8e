#include "core/models/unet/denoiser_replicas.h"

#include "core/io/sha256.h"

namespace drf {

std::shared_ptr<Denoiser> DenoiserReplicas::get(const torch::Device& device,
                                                const std::function<std::shared_ptr<Denoiser>()>& make) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& replica = replicas_[device.str()];
  if (!replica) replica = make();
  return replica;
}

std::string LazyModelHash::get() const {
  if (file_.empty()) return "";
  std::lock_guard<std::mutex> lock(mutex_);
  if (hash_.empty()) hash_ = model_hash(file_);
  return hash_;
}

}  // namespace drf
