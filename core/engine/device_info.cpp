#include "core/engine/device_info.h"

#include <thread>

namespace drf {
namespace {
DeviceLister& lister_slot() {
  static DeviceLister l = nullptr;
  return l;
}
}  // namespace

void register_device_lister(DeviceLister lister) { lister_slot() = lister; }

std::vector<DeviceInfo> Engine::devices() {
  std::vector<DeviceInfo> out;
  if (lister_slot()) out = lister_slot()();
  DeviceInfo cpu;
  cpu.index = -1;
  cpu.name = "CPU (" + std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " threads)";
  out.push_back(cpu);
  return out;
}

}  // namespace drf
