// Device enumeration behind Engine::devices(). Core knows only the CPU; gpu/ registers a
// provider that lists CUDA devices with names and memory.
#pragma once
#include <vector>

#include "core/engine/engine.h"

namespace drf {

using DeviceLister = std::vector<DeviceInfo> (*)();
void register_device_lister(DeviceLister lister);

}  // namespace drf
