#include "tests/gpu/gpu_test_support.h"

#include <cstdlib>

#include <torch/torch.h>

#include "gpu/gpu_registration.h"

namespace drf::test {

int cuda_device_count() {
  static const int count = [] {
    drf::gpu::register_gpu_backend();
    return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  }();
  return count;
}

ImageDiff image_diff(const RgbImage& a, const RgbImage& b) {
  ImageDiff d;
  if (a.pixels.size() != b.pixels.size()) return {255, 255};
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const int diff = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    sum += diff;
    d.max_abs = std::max(d.max_abs, diff);
  }
  d.mean_abs = a.pixels.empty() ? 0 : sum / static_cast<double>(a.pixels.size());
  return d;
}

}  // namespace drf::test
