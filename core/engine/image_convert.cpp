#include "core/engine/image_convert.h"

#include <cstring>

namespace drf {

RgbImage to_rgb8(const torch::Tensor& chw) {
  auto hwc = (chw.to(torch::kCPU, torch::kFloat32).clamp(0, 1) * 255.0).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  RgbImage img;
  img.height = static_cast<int>(hwc.size(0));
  img.width = static_cast<int>(hwc.size(1));
  img.pixels.resize(static_cast<std::size_t>(hwc.numel()));
  std::memcpy(img.pixels.data(), hwc.data_ptr<std::uint8_t>(), img.pixels.size());
  return img;
}

std::vector<float> to_float_hwc(const torch::Tensor& chw) {
  auto hwc = chw.to(torch::kCPU, torch::kFloat32).clamp(0, 1).permute({1, 2, 0}).contiguous();
  return std::vector<float>(hwc.data_ptr<float>(), hwc.data_ptr<float>() + hwc.numel());
}

}  // namespace drf
