// Contact sheets and sample grids as binary PPM files (no image library is needed on the GPU
// machine; tools/emoji/ppm_to_png.py converts them for docs/).
#pragma once
#include <string>

#include <torch/torch.h>

namespace drf::train {

// images: [N, 3, H, W] float in [0, 1]. Tiles left to right, top to bottom, `columns` per row,
// separated by `gap` white pixels. Written atomically; IoError naming the path on failure.
void write_image_grid_ppm(const std::string& path, const torch::Tensor& images, int columns, int gap = 2);

}  // namespace drf::train
