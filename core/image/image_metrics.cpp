#include "core/image/image_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/util/errors.h"

namespace drf {
namespace {

void check_same_size(const RgbImage& a, const RgbImage& b, const char* what) {
  if (a.width <= 0 || a.height <= 0 || a.empty() || b.empty())
    throw UsageError(std::string(what) + ": empty image");
  if (a.width != b.width || a.height != b.height)
    throw UsageError(std::string(what) + ": image sizes differ (" + std::to_string(a.width) + "x" +
                     std::to_string(a.height) + " vs " + std::to_string(b.width) + "x" + std::to_string(b.height) + ")");
  const std::size_t expected = static_cast<std::size_t>(a.width) * static_cast<std::size_t>(a.height) * 3;
  if (a.pixels.size() != expected || b.pixels.size() != expected)
    throw UsageError(std::string(what) + ": pixel buffer does not hold width x height x 3 bytes");
}

// BT.601 luma, kept in double precision (no rounding) so SSIM sees the exact weighted sum.
std::vector<double> luma(const RgbImage& img) {
  std::vector<double> y(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height));
  for (std::size_t i = 0; i < y.size(); ++i)
    y[i] = 0.299 * img.pixels[3 * i] + 0.587 * img.pixels[3 * i + 1] + 0.114 * img.pixels[3 * i + 2];
  return y;
}

std::vector<double> gaussian_window(int size, double sigma) {
  std::vector<double> w(static_cast<std::size_t>(size));
  const int half = size / 2;
  double sum = 0;
  for (int i = 0; i < size; ++i) {
    const double d = i - half;
    w[static_cast<std::size_t>(i)] = std::exp(-(d * d) / (2 * sigma * sigma));
    sum += w[static_cast<std::size_t>(i)];
  }
  for (double& v : w) v /= sum;
  return w;
}

// Separable 'valid' filtering (only windows fully inside the image), as in the reference
// implementation of Wang et al.: out is (h - k + 1) x (w - k + 1).
std::vector<double> filter_valid(const std::vector<double>& in, int w, int h, const std::vector<double>& k) {
  const int ks = static_cast<int>(k.size());
  const int ow = w - ks + 1, oh = h - ks + 1;
  std::vector<double> rows(static_cast<std::size_t>(ow) * static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int i = 0; i < ks; ++i) s += k[static_cast<std::size_t>(i)] * in[static_cast<std::size_t>(y) * w + x + i];
      rows[static_cast<std::size_t>(y) * ow + x] = s;
    }
  std::vector<double> out(static_cast<std::size_t>(ow) * static_cast<std::size_t>(oh));
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int i = 0; i < ks; ++i) s += k[static_cast<std::size_t>(i)] * rows[static_cast<std::size_t>(y + i) * ow + x];
      out[static_cast<std::size_t>(y) * ow + x] = s;
    }
  return out;
}

}  // namespace

double psnr(const RgbImage& a, const RgbImage& b) {
  check_same_size(a, b, "PSNR");
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - static_cast<double>(b.pixels[i]);
    sum += d * d;
  }
  if (sum == 0) return std::numeric_limits<double>::infinity();
  const double mse = sum / static_cast<double>(a.pixels.size());
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

double ssim(const RgbImage& a, const RgbImage& b) {
  check_same_size(a, b, "SSIM");
  if (a.pixels == b.pixels) return 1.0;
  // Images smaller than the 11x11 window use the largest odd window that fits, so tiny
  // previews still get a meaningful number instead of an error.
  int size = std::min(11, std::min(a.width, a.height));
  if (size % 2 == 0) --size;
  const std::vector<double> k = gaussian_window(size, 1.5);
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);

  const std::vector<double> x = luma(a), y = luma(b);
  std::vector<double> xx(x.size()), yy(x.size()), xy(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const int w = a.width, h = a.height;
  const auto mx = filter_valid(x, w, h, k), my = filter_valid(y, w, h, k);
  const auto sxx = filter_valid(xx, w, h, k), syy = filter_valid(yy, w, h, k), sxy = filter_valid(xy, w, h, k);
  double total = 0;
  for (std::size_t i = 0; i < mx.size(); ++i) {
    const double vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cov = sxy[i] - mx[i] * my[i];
    total += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
  }
  return total / static_cast<double>(mx.size());
}

RgbImage difference_heatmap(const RgbImage& a, const RgbImage& b, double full_scale) {
  check_same_size(a, b, "difference map");
  if (!(full_scale > 0) || !std::isfinite(full_scale))
    throw UsageError("difference map: full scale must be a positive number, got " + std::to_string(full_scale));
  RgbImage out;
  out.width = a.width;
  out.height = a.height;
  out.pixels.resize(a.pixels.size());
  for (std::size_t p = 0; p < a.pixels.size(); p += 3) {
    // The largest channel difference, so a change in any one channel shows up.
    int d = 0;
    for (std::size_t c = 0; c < 3; ++c) d = std::max(d, std::abs(int(a.pixels[p + c]) - int(b.pixels[p + c])));
    const double t = std::min(1.0, d / full_scale) * 3.0;  // 0..3: three ramps
    const auto ramp = [](double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
    out.pixels[p] = ramp(t);            // black -> red
    out.pixels[p + 1] = ramp(t - 1.0);  // red -> yellow
    out.pixels[p + 2] = ramp(t - 2.0);  // yellow -> white
  }
  return out;
}

}  // namespace drf
