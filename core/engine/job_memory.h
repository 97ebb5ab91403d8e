// Will a job fit? An estimate of the activation memory of the largest network call a job makes,
// checked against the memory the device has before the first step, so that an absurd size or
// width is refused with a sentence ("needs about 64 GB, this machine has 24 GB") instead of
// swapping for minutes or dying in the allocator. Uses only Pipeline's interface
// (activation_bytes_per_row): a model that does not report its cost is not estimated.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/util/byte_size.h"  // approximate_size

namespace drf {

// Activation bytes of one call evaluating `states` states of rows_per_state rows each; 0 when the
// cost per row is unknown (0). Saturates instead of overflowing.
int64_t job_activation_bytes(int64_t bytes_per_row, int rows_per_state, int states);

// Memory the job may use on the device: the CPU's MemAvailable (/proc/meminfo), at most
// DRIFFUSION_CPU_MEMORY_MB when that is set (a machine shared with other programs), or a CUDA
// device's total memory as Engine::devices() lists it (its caching allocator's reserve is ours
// to reuse, so the driver's "free" figure is too low). Empty when unknown.
std::optional<int64_t> available_device_memory(int cuda_index /* -1 = CPU */);

// Throws DeviceError naming the device when `needed` exceeds `available`:
// "<what> needs about 64 GB on cpu, this machine has 24 GB available. <advice>" (a GPU: "on
// cuda:0, which has 141 GB in all").
void check_fits(int64_t needed, std::optional<int64_t> available, const std::string& device, const std::string& what);

}  // namespace drf
