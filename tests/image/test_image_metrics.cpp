// PSNR, SSIM and the difference heat map against values computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/image/image_metrics.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

RgbImage uniform(int w, int h, std::uint8_t v) {
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.assign(static_cast<std::size_t>(w * h * 3), v);
  return img;
}

// A smooth pattern with structure (SSIM needs variance to measure anything).
RgbImage pattern(int w, int h) {
  RgbImage img = uniform(w, h, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        img.pixels[static_cast<std::size_t>((y * w + x) * 3 + c)] =
            static_cast<std::uint8_t>(20 + (x * 7 + y * 3 + c * 40 + (x / 8 + y / 8) % 2 * 60) % 200);
  return img;
}

RgbImage with_noise(const RgbImage& a, int amplitude, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-amplitude, amplitude);
  RgbImage b = a;
  for (auto& p : b.pixels) p = static_cast<std::uint8_t>(std::clamp(int(p) + d(rng), 0, 255));
  return b;
}

}  // namespace

TEST(ImageMetrics, IdenticalImagesHaveInfinitePsnrAndSsimOne) {
  const RgbImage a = pattern(40, 30);
  EXPECT_TRUE(std::isinf(psnr(a, a)));
  EXPECT_GT(psnr(a, a), 0);
  EXPECT_EQ(ssim(a, a), 1.0);
}

TEST(ImageMetrics, ConstantOffsetGivesTheKnownPsnr) {
  const RgbImage a = pattern(32, 32);  // values 20..219: +5 never clips
  RgbImage b = a;
  for (auto& p : b.pixels) p = static_cast<std::uint8_t>(p + 5);
  // MSE = 25  ->  PSNR = 10 log10(255^2 / 25) = 20 log10(51)
  EXPECT_NEAR(psnr(a, b), 34.15140352195873, 1e-9);
  EXPECT_NEAR(psnr(b, a), 34.15140352195873, 1e-9);
}

TEST(ImageMetrics, OffsetInOneChannelAveragesOverAllChannels) {
  const RgbImage a = pattern(16, 16);
  RgbImage b = a;
  for (std::size_t i = 0; i < b.pixels.size(); i += 3) b.pixels[i] = static_cast<std::uint8_t>(b.pixels[i] + 6);
  // MSE = 36 / 3 = 12  ->  10 log10(65025 / 12)
  EXPECT_NEAR(psnr(a, b), 37.33899114820285, 1e-9);
}

TEST(ImageMetrics, SsimOfUniformImagesIsTheLuminanceTerm) {
  // Uniform images have no variance: SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1), C1 = (0.01 * 255)^2.
  const double expected = (2.0 * 100 * 110 + 6.5025) / (100.0 * 100 + 110.0 * 110 + 6.5025);
  EXPECT_NEAR(expected, 0.9954764440915066, 1e-12);
  EXPECT_NEAR(ssim(uniform(32, 24, 100), uniform(32, 24, 110)), expected, 1e-9);
}

TEST(ImageMetrics, SsimDecreasesWithNoise) {
  const RgbImage a = pattern(64, 48);
  const double s5 = ssim(a, with_noise(a, 5, 1));
  const double s20 = ssim(a, with_noise(a, 20, 2));
  const double s60 = ssim(a, with_noise(a, 60, 3));
  EXPECT_LT(s5, 1.0);
  EXPECT_GT(s5, s20);
  EXPECT_GT(s20, s60);
  EXPECT_GT(s60, 0.0);
  EXPECT_GT(psnr(a, with_noise(a, 5, 1)), psnr(a, with_noise(a, 60, 3)));
}

TEST(ImageMetrics, SmallImagesUseASmallerWindow) {
  const RgbImage a = pattern(5, 7);
  EXPECT_EQ(ssim(a, a), 1.0);
  const double s = ssim(a, with_noise(a, 30, 4));
  EXPECT_LT(s, 1.0);
  EXPECT_TRUE(std::isfinite(s));
}

TEST(ImageMetrics, SizeMismatchIsAUsageError) {
  EXPECT_THROW(psnr(uniform(4, 4, 0), uniform(4, 5, 0)), UsageError);
  EXPECT_THROW(ssim(uniform(4, 4, 0), uniform(5, 4, 0)), UsageError);
  EXPECT_THROW(difference_heatmap(uniform(4, 4, 0), uniform(5, 4, 0)), UsageError);
  EXPECT_THROW(psnr(RgbImage{}, RgbImage{}), UsageError);
  EXPECT_THROW(difference_heatmap(uniform(4, 4, 0), uniform(4, 4, 0), 0.0), UsageError);
}

TEST(ImageMetrics, HeatmapRampsFromBlackThroughRedAndYellowToWhite) {
  const RgbImage a = uniform(5, 1, 100);
  RgbImage b = a;
  // Per pixel: equal, 10 (half of the first third of 60), 20 (one third), 40 (two thirds), 100 (beyond full scale).
  const int diffs[5] = {0, 10, 20, 40, 100};
  for (int x = 0; x < 5; ++x) b.pixels[static_cast<std::size_t>(x * 3 + 1)] = static_cast<std::uint8_t>(100 + diffs[x]);
  const RgbImage h = difference_heatmap(a, b, 60.0);
  ASSERT_EQ(h.width, 5);
  ASSERT_EQ(h.pixels.size(), 15u);
  const std::uint8_t expected[5][3] = {{0, 0, 0}, {128, 0, 0}, {255, 0, 0}, {255, 255, 0}, {255, 255, 255}};
  for (int x = 0; x < 5; ++x)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(h.pixels[static_cast<std::size_t>(x * 3 + c)], expected[x][c]) << "pixel " << x;
}
