// GPU soak: 100 jobs of changing width, mode and device count. Device memory held by
// tensors must not grow from job to job: after a first pass has captured the CUDA graphs of
// every shape, a second pass over the same settings may not raise the allocation.
#include <gtest/gtest.h>

#include "core/engine/denoiser_accelerator.h"
#include "core/engine/engine.h"
#include "tests/gpu/gpu_test_support.h"

using namespace drf;

TEST(GpuSoak, HundredJobsKeepDeviceMemoryFlat) {
  DRF_REQUIRE_GPUS(1);
  const int gpus = std::min(2, test::cuda_device_count());
  Engine engine;
  auto job = [&](int j) {
    GenerationSettings s;
    s.model = "random:sd15";
    s.prompt = "soak";
    s.seed = static_cast<std::uint64_t>(j);
    s.steps = 6;
    s.image_width = s.image_height = 256;
    s.mode = j % 3 == 0 ? Mode::Sequential : (j % 3 == 1 ? Mode::Conservative : Mode::Aggressive);
    s.width = 1 + j % 4;
    s.devices = {0};
    if (gpus > 1 && j % 2) s.devices = {0, 1};
    engine.generate(s, nullptr);
  };
  for (int j = 0; j < 50; ++j) job(j);
  std::vector<double> first;
  for (int d = 0; d < gpus; ++d) first.push_back(device_allocated(torch::Device(torch::kCUDA, d)) / 1048576.0);
  for (int j = 0; j < 50; ++j) job(j);
  for (int d = 0; d < gpus; ++d) {
    const double now = device_allocated(torch::Device(torch::kCUDA, d)) / 1048576.0;
    std::printf("cuda:%d allocated after 50 jobs %.1f MiB, after 100 jobs %.1f MiB\n", d, first[d], now);
    EXPECT_LT(now - first[d], 16.0) << "cuda:" << d;
  }
}
