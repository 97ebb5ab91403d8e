// Shared helpers of the GPU suites: registers the CUDA backend once and skips a test when
// the machine has too few CUDA devices.
#pragma once
#include <gtest/gtest.h>

#include "core/engine/engine.h"

namespace drf::test {

int cuda_device_count();  // registers the GPU backend on first call

#define DRF_REQUIRE_GPUS(n)                                                                     \
  if (::drf::test::cuda_device_count() < (n))                                                   \
  GTEST_SKIP() << "needs " << (n) << " CUDA device(s), this machine has " << ::drf::test::cuda_device_count()

// Fraction of differing bytes and mean absolute difference (0..255) of two images.
struct ImageDiff {
  double mean_abs = 0;
  int max_abs = 0;
};
ImageDiff image_diff(const RgbImage& a, const RgbImage& b);

}  // namespace drf::test
