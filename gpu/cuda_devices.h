// CUDA device enumeration for Engine::devices(): names and free/total memory.
#pragma once
#include <vector>

#include "core/engine/engine.h"

namespace drf::gpu {
std::vector<DeviceInfo> list_cuda_devices();
}
