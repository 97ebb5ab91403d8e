// Leaf layers for the model modules: the same parameters ("weight", "bias") and math as
// torch.nn.Conv2d / Linear / GroupNorm / LayerNorm / Embedding, but created EMPTY on the
// requested device and dtype. torch::nn's layers initialise every weight at construction
// (kaiming on the CPU in fp32): for an 860M-parameter UNet that is seconds of work and
// gigabytes of memory thrown away when the checkpoint's weights replace them. Ours cost
// nothing until the loader (or the random initialiser) sets the data.
#pragma once
#include <torch/torch.h>

#include "core/models/nn/fused_ops.h"

namespace drf::layers {

// A 4-D activation in channels-last memory ([N, H, W, C] rows; the GPU UNet's layout) that is
// not also plain contiguous.
bool is_channels_last(const torch::Tensor& t);

class Conv2dImpl : public torch::nn::Module {
 public:
  Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
             const torch::TensorOptions& options, bool bias = true);
  torch::Tensor forward(const torch::Tensor& x);
  // The convolution with another bias (undefined: none), for callers that fold this layer's
  // bias into a later per-channel operation.
  // With `residual` (the output's shape and layout) the result is residual + conv: for a 1x1
  // convolution of a channels-last activation the residual is read inside the matrix product.
  torch::Tensor forward_with_bias(const torch::Tensor& x, const torch::Tensor& other_bias,
                                  const torch::Tensor& residual = {});
  torch::Tensor weight, bias;  // bias undefined when bias = false
  int64_t stride, padding;
};
TORCH_MODULE(Conv2d);

class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, const torch::TensorOptions& options, bool bias = true);
  torch::Tensor forward(const torch::Tensor& x);
  // residual + forward(x), written into `out` ([rows, out features]) when given; one matrix
  // product reading the residual where the GPU backend has one (fused::linear).
  torch::Tensor forward_add(const torch::Tensor& x, const torch::Tensor& residual, const torch::Tensor& out = {});
  // activation(forward(x)), the activation inside the matrix product where the backend can.
  torch::Tensor forward_activated(const torch::Tensor& x, fused::Activation activation);
  // forward(x) written into `out` (x's rows by out features; may be a strided slice of a buffer).
  torch::Tensor forward_into(const torch::Tensor& x, const torch::Tensor& out);
  torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

class GroupNormImpl : public torch::nn::Module {
 public:
  GroupNormImpl(int64_t groups, int64_t channels, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  // silu(GroupNorm(x + shift[:, :, None, None])) in one fused kernel where the backend has one;
  // shift ([N, C]) may be undefined.
  torch::Tensor norm_silu(const torch::Tensor& x, const torch::Tensor& shift = {});
  torch::Tensor weight, bias;
  int64_t groups;
  double eps;
};
TORCH_MODULE(GroupNorm);

class LayerNormImpl : public torch::nn::Module {
 public:
  LayerNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
  double eps;
};
TORCH_MODULE(LayerNorm);

class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t count, int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& ids);
  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

// Number of parameter elements of a module tree.
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace drf::layers
