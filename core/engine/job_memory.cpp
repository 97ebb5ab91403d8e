#include "core/engine/job_memory.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>

#include "core/engine/engine.h"
#include "core/util/errors.h"

namespace drf {

int64_t job_activation_bytes(int64_t bytes_per_row, int rows_per_state, int states) {
  if (bytes_per_row <= 0 || rows_per_state <= 0 || states <= 0) return 0;
  const int64_t rows = static_cast<int64_t>(rows_per_state) * states;
  if (bytes_per_row > std::numeric_limits<int64_t>::max() / rows) return std::numeric_limits<int64_t>::max();
  return bytes_per_row * rows;
}

std::optional<int64_t> available_device_memory(int cuda_index) {
  if (cuda_index < 0) {
    std::optional<int64_t> available;
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    int64_t kb = 0;
    while (in >> key >> kb >> unit)
      if (key == "MemAvailable:") {
        available = kb * 1024;
        break;
      }
    // DRIFFUSION_CPU_MEMORY_MB caps what jobs may take on a machine shared with other programs.
    if (const char* cap = std::getenv("DRIFFUSION_CPU_MEMORY_MB"); cap && *cap) {
      char* end = nullptr;
      const long long mb = std::strtoll(cap, &end, 10);
      if (end && *end == '\0' && mb > 0) {
        const int64_t bytes = static_cast<int64_t>(mb) * 1024 * 1024;
        available = available ? std::min(*available, bytes) : bytes;
      }
    }
    return available;
  }
  // A GPU's total, not its free memory: the caching allocator keeps blocks of earlier jobs
  // (CUDA graph pools, the decoder's buffers) that count as used to the driver but are ours to
  // reuse, so "free" would refuse jobs that fit. Only a job that can never fit is refused there.
  for (const DeviceInfo& d : Engine::devices())
    if (d.index == cuda_index && d.memory_total > 0) return static_cast<int64_t>(d.memory_total);
  return std::nullopt;
}

void check_fits(int64_t needed, std::optional<int64_t> available, const std::string& device, const std::string& what) {
  if (needed <= 0 || !available || needed <= *available) return;
  const bool cpu = device.rfind("cpu", 0) == 0;
  throw DeviceError(what + " needs about " + approximate_size(needed) + " on " + device +
                    (cpu ? ", this machine has " + approximate_size(*available) + " available"
                         : ", which has " + approximate_size(*available) + " in all") +
                    ". Use a smaller image size, a smaller width or a smaller draft memory.");
}

}  // namespace drf
