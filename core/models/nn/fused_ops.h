// Operations of the UNet and the MMDiT that a GPU backend may run as fused kernels. The definitions here are
// the reference math in plain ATen ops (CPU, and any tensor a registered kernel declines);
// gpu/ registers CUDA kernels: for channels-last activations ATen's GroupNorm copies the
// tensor to NCHW and back, GEGLU costs three passes over the largest activation, and ATen's
// LayerNorm runs one block per 320..1280-wide row, far from the memory bandwidth; a linear
// layer followed by a residual add is one cuBLASLt product reading the residual as its C.
#pragma once
#include <functional>

#include <torch/torch.h>

namespace drf::fused {

// GroupNorm(x + shift[:, :, None, None]) * weight + bias, then SiLU when `silu`.
// x: [N, C, H, W]; shift: [N, C] or undefined (the ResNet block's timestep embedding).
torch::Tensor group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                         const torch::Tensor& bias, double eps, bool silu, const torch::Tensor& shift = {});

// a * gelu(b) (exact erf GELU) where a, b are the two halves of the last dimension.
torch::Tensor geglu(const torch::Tensor& projected);

// LayerNorm over the last dimension (torch::layer_norm with normalized_shape = {C}).
torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps);

// LayerNorm over the last dimension without weights, then the adaLN modulation of diffusion
// transformers: norm(x) * (1 + scale[b]) + shift[b] for the rows of batch b. x: [B, S, C];
// shift, scale: [B, C], rows may be strided (chunks of one modulation vector). One pass over x
// instead of a norm and a broadcast multiply-add.
torch::Tensor layer_norm_modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                                  double eps);

// What a linear layer applies to its output (inside the matrix product's epilogue on the GPU).
enum class Activation { none, gelu_tanh };

// activation(x @ weight^T + bias) (torch::linear), plus `residual` when defined, written into
// `out` when defined. weight: [N, K]; bias: [N] or undefined; residual and out: x's rows by N
// (out may be a strided slice of a wider buffer, e.g. [B, S, 3N][:, :, :N]); an activation
// and a residual do not go together. A backend reads the residual inside the matrix product
// instead of a separate pass over three tensors, and applies the activation there too.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     const torch::Tensor& residual = {}, const torch::Tensor& out = {},
                     Activation activation = Activation::none);

// A backend kernel returns an undefined tensor when it does not handle the input (device,
// dtype, layout); the reference math runs then.
using GroupNormKernel = std::function<torch::Tensor(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                                                    const torch::Tensor& bias, double eps, bool silu,
                                                    const torch::Tensor& shift)>;
using GegluKernel = std::function<torch::Tensor(const torch::Tensor& projected)>;
using LayerNormKernel = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& weight,
                                                    const torch::Tensor& bias, double eps)>;
using LayerNormModulateKernel = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& shift,
                                                            const torch::Tensor& scale, double eps)>;
using LinearKernel = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& weight,
                                                 const torch::Tensor& bias, const torch::Tensor& residual,
                                                 const torch::Tensor& out, Activation activation)>;

struct Kernels {
  GroupNormKernel group_norm;
  GegluKernel geglu;
  LayerNormKernel layer_norm;
  LinearKernel linear;
  LayerNormModulateKernel layer_norm_modulate;
};
void register_kernels(Kernels kernels);
// Turns registered kernels off and on (A/B measurements, DRIFFUSION_FUSED_KERNELS=0).
void set_kernels_enabled(bool enabled);

// The reference math, always ATen.
torch::Tensor group_norm_reference(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                                   const torch::Tensor& bias, double eps, bool silu, const torch::Tensor& shift = {});
torch::Tensor geglu_reference(const torch::Tensor& projected);
torch::Tensor layer_norm_reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                   double eps);
torch::Tensor layer_norm_modulate_reference(const torch::Tensor& x, const torch::Tensor& shift,
                                            const torch::Tensor& scale, double eps);
torch::Tensor linear_reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                               const torch::Tensor& residual = {}, const torch::Tensor& out = {},
                               Activation activation = Activation::none);

}  // namespace drf::fused
