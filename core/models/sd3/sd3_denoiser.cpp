#include "core/models/sd3/sd3_denoiser.h"

#include "core/models/nn/fused_projection.h"
#include "core/util/errors.h"

namespace drf {

namespace {

bool on_cuda(const SD3Transformer2DModel& transformer) {
  const auto params = transformer->parameters();
  return !params.empty() && params.front().is_cuda();
}

}  // namespace

Sd3Denoiser::Sd3Denoiser(SD3Transformer2DModel transformer, torch::Dtype dtype)
    : transformer_(std::move(transformer)), dtype_(dtype) {
  // One q/k/v product per stream on the GPU (fewer, fuller waves of tiles); the CPU keeps the
  // separate products its goldens were made with.
  if (on_cuda(transformer_) && fused_projections_wanted()) transformer_->fuse_projections();
}

torch::Tensor Sd3Denoiser::forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) {
  if (!c.context.defined() || !c.pooled.defined())
    throw UsageError("SD3 needs a context and a pooled text embedding in its conditioning");
  torch::NoGradGuard no_grad;
  return transformer_->forward(x.to(dtype_), c.context.to(dtype_), c.pooled.to(dtype_), t.to(torch::kFloat32))
      .contiguous();
}

std::shared_ptr<Sd3Denoiser> replicate_sd3_denoiser(const SD3Transformer2DModel& transformer, torch::Dtype dtype,
                                                    const torch::Device& device) {
  torch::NoGradGuard no_grad;
  // A copy on the source's own device shares its tensors: the source must be fused already, so
  // that both hold the one fused tensor instead of the copy fusing into a second one. (A GPU
  // source is, by its own denoiser; this only covers a source that never had one.)
  if (on_cuda(transformer) && fused_projections_wanted()) transformer.ptr()->fuse_projections();
  SD3Transformer2DModel copy(transformer->config(), torch::TensorOptions().device(device).dtype(dtype));
  auto params = transformer->named_parameters(true);
  auto buffers = transformer->named_buffers(true);
  for (auto& p : copy->named_parameters(true)) p.value().set_data(params[p.key()].to(device));
  for (auto& b : copy->named_buffers(true)) b.value().set_data(buffers[b.key()].to(device));
  copy->eval();
  return std::make_shared<Sd3Denoiser>(copy, dtype);
}

}  // namespace drf
