#include "core/util/device_sync.h"

namespace drf {
namespace {
std::function<void(const torch::Device&)>& synchronizer() {
  static std::function<void(const torch::Device&)> fn;
  return fn;
}
}  // namespace

void synchronize_device(const torch::Device& device) {
  if (device.is_cpu()) return;
  if (synchronizer()) synchronizer()(device);
}

void set_device_synchronizer(std::function<void(const torch::Device&)> fn) { synchronizer() = std::move(fn); }

}  // namespace drf
