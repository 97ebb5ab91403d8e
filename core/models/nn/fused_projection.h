// Linear layers that read the same input (an attention's q, k and v) as one matrix product.
// fuse_linear_weights() re-points their weights (and biases) into one [sum of outputs, inputs]
// tensor; each layer keeps its parameters as views of it, so loaders, replicas and parameter
// counts see nothing new, and the product's output holds the layers' outputs side by side.
// One product of 3N columns instead of three of N fills a large GPU better (fewer partial
// waves of tiles) and reads the input once.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "core/models/nn/layers.h"

namespace drf {

// False when DRIFFUSION_FUSED_PROJECTIONS=0 (A/B measurements): the GPU denoisers then keep
// separate products.
bool fused_projections_wanted();

// Re-points the layers' weights, and their biases when all have one, into one tensor each.
// Nothing to do when they already lie side by side. Values are unchanged.
void fuse_linear_weights(const std::vector<layers::Linear>& group);

// The layers' weights (and biases) as one [sum of outputs, inputs] view, while they lie side by
// side in one tensor (after fuse_linear_weights, until someone replaces one) and are not being
// trained (grad mode with parameters that require grad); undefined weight otherwise.
struct FusedLinearView {
  torch::Tensor weight, bias;
};
FusedLinearView fused_linear_view(const std::vector<layers::Linear>& group);

// The layers' outputs for x side by side in out's last dimension (out: x's rows by the sum of
// their outputs, may be a strided slice of a wider buffer): one product when the weights are
// fused, one per layer into its columns otherwise.
void project_side_by_side(const std::vector<layers::Linear>& group, const torch::Tensor& x, const torch::Tensor& out);

}  // namespace drf
