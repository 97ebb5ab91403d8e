#include "ui/image_conversion.h"

#include <cstring>

namespace drf::ui {

QImage toQImage(const RgbImage& image) {
  if (image.empty() || image.width <= 0 || image.height <= 0 ||
      image.pixels.size() < static_cast<std::size_t>(image.width) * image.height * 3)
    return {};
  QImage out(image.width, image.height, QImage::Format_RGB888);
  const std::size_t row = static_cast<std::size_t>(image.width) * 3;
  // QImage rows are 4-byte aligned, the engine's are packed: copy row by row.
  for (int y = 0; y < image.height; ++y) std::memcpy(out.scanLine(y), image.pixels.data() + y * row, row);
  return out;
}

RgbImage toRgbImage(const QImage& image) {
  RgbImage out;
  if (image.isNull()) return out;
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  out.width = rgb.width();
  out.height = rgb.height();
  const std::size_t row = static_cast<std::size_t>(out.width) * 3;
  out.pixels.resize(row * out.height);
  for (int y = 0; y < out.height; ++y) std::memcpy(out.pixels.data() + y * row, rgb.constScanLine(y), row);
  return out;
}

}  // namespace drf::ui
