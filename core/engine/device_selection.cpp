#include "core/engine/device_selection.h"

#include "core/util/errors.h"

namespace drf {

std::vector<torch::Device> select_devices(const GenerationSettings& s) {
  if (s.devices.empty()) return {torch::Device(torch::kCPU)};
  const int available = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  if (available == 0)
    throw DeviceError("GPU devices were requested but no CUDA device is available" +
                      std::string(torch::cuda::is_available() ? "" : " (this build or machine has no CUDA)") +
                      "; leave devices empty to run on the CPU");
  std::vector<torch::Device> out;
  for (int d : s.devices) {
    if (d >= available)
      throw UsageError("device " + std::to_string(d) + " does not exist: this machine has " + std::to_string(available) +
                       " CUDA device(s), numbered from 0");
    out.emplace_back(torch::kCUDA, static_cast<c10::DeviceIndex>(d));
  }
  return out;
}

torch::Dtype select_dtype(const GenerationSettings& s, const torch::Device& primary) {
  if (s.dtype == "fp32") return torch::kFloat32;
  if (s.dtype == "fp16") return torch::kFloat16;
  if (s.dtype == "bf16") return torch::kBFloat16;
  return primary.is_cuda() ? torch::kFloat16 : torch::kFloat32;
}

}  // namespace drf
