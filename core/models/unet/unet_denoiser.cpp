#include "core/models/unet/unet_denoiser.h"

#include "core/models/nn/attention.h"
#include "core/models/nn/fused_projection.h"
#include "core/util/environment_switch.h"

namespace drf {
namespace {

// Channels-last (NHWC) lets cuDNN run its tensor-core convolution kernels without transposing
// every activation, and the GPU backend's fused GroupNorm/GEGLU kernels work on it (ATen's
// GroupNorm would copy to NCHW and back). Default on CUDA; DRIFFUSION_CHANNELS_LAST=0 turns
// it off (A/B measurements). docs/benchmarks.md has the numbers.
bool channels_last_wanted() { return !environment_says_off("DRIFFUSION_CHANNELS_LAST"); }

}  // namespace

UNetDenoiser::UNetDenoiser(UNet2DConditionModel unet, PredictionType prediction, torch::Dtype dtype)
    : unet_(std::move(unet)), prediction_(prediction), dtype_(dtype) {
  const auto params = unet_->parameters();
  const bool cuda = !params.empty() && params.front().is_cuda();
  // One q/k/v product per self-attention on the GPU (fuller waves of tiles); the CPU keeps the
  // separate products its goldens were made with.
  if (cuda && fused_projections_wanted()) fuse_attention_projections(*unet_);
  channels_last_ = channels_last_wanted() && cuda;
  if (!channels_last_) return;
  torch::NoGradGuard no_grad;
  for (auto& p : unet_->parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
}

torch::Tensor UNetDenoiser::forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) {
  torch::NoGradGuard no_grad;
  auto input = x.to(dtype_);
  if (channels_last_) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
  // The pooled embedding and time ids (SDXL) stay undefined for SD 1.x/2.x; the UNet
  // refuses a mismatch either way.
  auto pooled = c.pooled.defined() ? c.pooled.to(dtype_) : torch::Tensor();
  auto time_ids = c.time_ids.defined() ? c.time_ids.to(torch::kFloat32) : torch::Tensor();
  return unet_->forward(input, t.to(torch::kFloat32), c.context.to(dtype_), pooled, time_ids).contiguous();
}

std::shared_ptr<UNetDenoiser> replicate_unet_denoiser(const UNet2DConditionModel& unet, const UNetConfig& config,
                                                      PredictionType prediction, torch::Dtype dtype,
                                                      const torch::Device& device) {
  torch::NoGradGuard no_grad;
  // A copy on the source's own device shares its tensors: the source must be fused already, so
  // that both hold the one fused tensor instead of the copy fusing into a second one. (A GPU
  // source is, by its own denoiser; this only covers a source that never had one.)
  const auto params = unet->parameters();
  if (!params.empty() && params.front().is_cuda() && fused_projections_wanted()) fuse_attention_projections(*unet.ptr());
  UNet2DConditionModel copy(config, torch::TensorOptions().device(device).dtype(dtype));
  auto source = unet->named_parameters(true);
  for (auto& p : copy->named_parameters(true)) p.value().set_data(source[p.key()].to(device));
  copy->eval();
  return std::make_shared<UNetDenoiser>(copy, prediction, dtype);
}

}  // namespace drf
