// CUDA kernels behind drf::fused (core/models/nn/fused_ops.h): GroupNorm(+shift, +SiLU) for
// channels-last activations, GEGLU, LayerNorm and the MMDiT's LayerNorm + adaLN modulation. They decline (undefined result) what they do not
// handle, and the reference ATen math runs instead.
#pragma once
#include <torch/torch.h>

namespace drf::gpu {

torch::Tensor cuda_group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                              const torch::Tensor& bias, double eps, bool silu, const torch::Tensor& shift);
torch::Tensor cuda_geglu(const torch::Tensor& projected);
torch::Tensor cuda_layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              double eps);
// x: [B, S, C] contiguous; shift, scale: [B, C] with unit channel stride (fused::layer_norm_modulate).
torch::Tensor cuda_layer_norm_modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                                       double eps);

// Registers them, and cuBLASLt's linear product (gpu/cublaslt_linear.h), with drf::fused.
void register_fused_kernels();

}  // namespace drf::gpu
