#include "app/train/nearest_images.h"

#include "core/util/errors.h"

namespace drf::train {

NearestImages::NearestImages(const torch::Tensor& references, const torch::Device& device) {
  if (references.dim() != 4 || references.size(3) != 3) throw UsageError("NearestImages: expected [N, H, W, 3] uint8");
  refs_ = references.to(device).to(torch::kFloat32).div(255.0).reshape({references.size(0), -1}).contiguous();
  norms_ = refs_.pow(2).sum(1);
}

torch::Tensor NearestImages::nearest(const torch::Tensor& images, int64_t k) const {
  torch::NoGradGuard no_grad;
  auto q = images.to(refs_.device(), torch::kFloat32).permute({0, 2, 3, 1}).reshape({images.size(0), -1});
  if (q.size(1) != refs_.size(1)) throw UsageError("NearestImages: image size differs from the reference images");
  // |q - r|^2 = |q|^2 - 2 q.r + |r|^2; |q|^2 does not change the order.
  auto d = norms_.unsqueeze(0) - 2 * torch::matmul(q, refs_.t());
  return std::get<1>(d.topk(k, 1, /*largest=*/false, /*sorted=*/true)).to(torch::kCPU);
}

}  // namespace drf::train
