#include "app/train/image_grid.h"

#include "core/io/atomic_file.h"
#include "core/util/errors.h"

namespace drf::train {

void write_image_grid_ppm(const std::string& path, const torch::Tensor& images, int columns, int gap) {
  if (images.dim() != 4 || images.size(1) != 3 || images.size(0) < 1 || columns < 1)
    throw UsageError("write_image_grid_ppm: expected [N, 3, H, W] images and at least one column");
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t W = columns * w + (columns + 1) * gap, H = rows * h + (rows + 1) * gap;
  auto canvas = torch::full({H, W, 3}, 255, torch::kUInt8);
  auto pixels = images.to(torch::kCPU, torch::kFloat32).clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({0, 2, 3, 1});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = i / columns, c = i % columns;
    const int64_t y = gap + r * (h + gap), x = gap + c * (w + gap);
    canvas.slice(0, y, y + h).slice(1, x, x + w).copy_(pixels[i]);
  }
  const std::string header = "P6\n" + std::to_string(W) + " " + std::to_string(H) + "\n255\n";
  AtomicFileWriter out(path);
  out.write(header.data(), header.size());
  canvas = canvas.contiguous();
  out.write(canvas.data_ptr<uint8_t>(), static_cast<std::size_t>(canvas.numel()));
  out.commit();
}

}  // namespace drf::train
