#include "core/models/unet_denoiser.h"

namespace drf {

UNetDenoiser::UNetDenoiser(UNet2DConditionModel unet, PredictionType prediction, torch::Dtype dtype)
    : unet_(std::move(unet)), prediction_(prediction), dtype_(dtype) {}

torch::Tensor UNetDenoiser::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& context) {
  torch::NoGradGuard no_grad;
  return unet_->forward(x.to(dtype_), t.to(torch::kFloat32), context.to(dtype_));
}

}  // namespace drf
