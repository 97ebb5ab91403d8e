#include "core/engine/denoiser_accelerator.h"

#include "core/util/environment_switch.h"

namespace drf {
namespace {
DenoiserAccelerator g_accelerator = nullptr;
MemoryQuery g_peak = nullptr, g_current = nullptr;
MemoryReset g_reset = nullptr;
CacheRelease g_release = nullptr;
}  // namespace

void register_denoiser_accelerator(DenoiserAccelerator accelerator) { g_accelerator = accelerator; }

std::shared_ptr<Denoiser> accelerate_denoiser(std::shared_ptr<Denoiser> inner, const torch::Device& device) {
  if (!g_accelerator || device.is_cpu() || environment_says_on("DRIFFUSION_NO_CUDA_GRAPHS")) return inner;
  return g_accelerator(std::move(inner), device);
}

void register_memory_stats(MemoryQuery peak, MemoryReset reset_peak, MemoryQuery current, CacheRelease release) {
  g_peak = peak;
  g_reset = reset_peak;
  g_current = current;
  g_release = release;
}

void release_cached_device_memory() {
  if (g_release) g_release();
}

std::size_t device_peak_reserved(const torch::Device& d) { return g_peak && d.is_cuda() ? g_peak(d) : 0; }
std::size_t device_allocated(const torch::Device& d) { return g_current && d.is_cuda() ? g_current(d) : 0; }
void reset_device_peak_reserved(const torch::Device& d) {
  if (g_reset && d.is_cuda()) g_reset(d);
}

}  // namespace drf
