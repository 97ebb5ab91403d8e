// Nearest training images by L2 distance on 64x64 RGB (values in [0, 1]): the fidelity measure
// of docs/builtin-model.md ("is the image the prompted emoji?").
#pragma once
#include <torch/torch.h>

namespace drf::train {

class NearestImages {
 public:
  // references: uint8 [N, H, W, 3] (as load_emoji_images_u8 returns); kept on `device`.
  NearestImages(const torch::Tensor& references, const torch::Device& device);
  // images: [P, 3, H, W] float in [0, 1]. Returns [P, k] int64 indices, nearest first (CPU).
  torch::Tensor nearest(const torch::Tensor& images, int64_t k) const;
  int64_t size() const { return refs_.size(0); }

 private:
  torch::Tensor refs_;     // [N, D] float32
  torch::Tensor norms_;    // [N] squared norms
};

}  // namespace drf::train
