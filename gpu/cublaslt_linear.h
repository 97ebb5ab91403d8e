// The UNet's linear layers as one cuBLASLt matrix product each: x @ weight^T + bias, plus the
// residual stream read as the product's C matrix (beta = 1), written into a given output when
// asked. A transformer block otherwise spends a separate pass reading two activations and
// writing a third on every residual add (about 5 % of an SD 2.1 step at batch 12).
//
// The algorithm for each shape is picked by timing cuBLASLt's best few candidates once, on the
// first call outside a CUDA-graph capture (the graph denoiser's warm-up), as cuDNN's benchmark
// mode does for convolutions, and remembered across runs (gemm_algorithm_store.h: a later process
// takes the choice without timing); DRIFFUSION_GEMM_AUTOTUNE=0 takes cuBLASLt's first choice and
// DRIFFUSION_CUBLASLT=0 leaves every product to ATen (A/B measurements).
#pragma once
#include <torch/torch.h>

#include "core/models/nn/fused_ops.h"

namespace drf::gpu {

// drf::fused::linear's kernel: fp16/bf16 CUDA tensors with rows of unit stride, also strided
// batches of rows (a 3-D slice of a wider buffer, as one strided-batched product); the GELU
// activation in the epilogue. Declines (undefined result) anything else, an activation with a
// residual, and an `out` that overlaps an input.
torch::Tensor cublaslt_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              const torch::Tensor& residual, const torch::Tensor& out,
                              fused::Activation activation = fused::Activation::none);

// How many shapes have a timed algorithm (tests: the warm-up tunes, a capture does not).
std::size_t cublaslt_tuned_shapes();

}  // namespace drf::gpu
