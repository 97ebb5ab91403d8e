#include "gpu/cuda_devices.h"

#include <cuda_runtime.h>

namespace drf::gpu {

std::vector<DeviceInfo> list_cuda_devices() {
  std::vector<DeviceInfo> out;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return out;
  }
  int previous = 0;
  cudaGetDevice(&previous);
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.memory_total = prop.totalGlobalMem;
    std::size_t free_bytes = 0, total = 0;
    if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_bytes, &total) == cudaSuccess) d.memory_free = free_bytes;
    out.push_back(d);
  }
  cudaSetDevice(previous);
  return out;
}

}  // namespace drf::gpu
