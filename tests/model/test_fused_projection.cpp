// Fused q/k/v projections (core/models/nn/fused_projection.h) and the reference math of the
// fused ops the MMDiT uses (linear into a strided slice, linear + GELU, LayerNorm + adaLN
// modulation), on the CPU in float64 against the plain per-layer math.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/models/loaders/random_weights.h"
#include "core/models/nn/attention.h"
#include "core/models/nn/fused_ops.h"
#include "core/models/nn/fused_projection.h"
#include "core/models/nn/layers.h"

namespace drf {
namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

std::vector<layers::Linear> random_group(const std::vector<int64_t>& outs, int64_t in, bool bias) {
  std::vector<layers::Linear> group;
  for (int64_t n : outs) {
    layers::Linear l(in, n, kF64, bias);
    l->weight.set_data(torch::randn({n, in}, kF64));
    if (bias) l->bias.set_data(torch::randn({n}, kF64));
    group.push_back(l);
  }
  return group;
}

torch::Tensor separately(const std::vector<layers::Linear>& group, const torch::Tensor& x) {
  std::vector<torch::Tensor> outs;
  for (const auto& l : group) outs.push_back(torch::linear(x, l->weight, l->bias));
  return torch::cat(outs, -1);
}

TEST(FusedProjection, FusingKeepsValuesAndPutsTheWeightsIntoOneTensor) {
  torch::manual_seed(1);
  auto group = random_group({6, 6, 4}, 5, /*bias=*/true);
  auto x = torch::randn({2, 3, 5}, kF64);
  const auto expected = separately(group, x);
  EXPECT_FALSE(fused_linear_view(group).weight.defined()) << "three separate tensors are not fused";

  fuse_linear_weights(group);
  const auto view = fused_linear_view(group);
  ASSERT_TRUE(view.weight.defined());
  ASSERT_TRUE(view.bias.defined());
  EXPECT_EQ(view.weight.sizes().vec(), (std::vector<int64_t>{16, 5}));
  for (const auto& l : group) EXPECT_TRUE(l->weight.storage().is_alias_of(group[0]->weight.storage()));
  EXPECT_EQ(separately(group, x).sub(expected).abs().max().item<double>(), 0.0) << "values unchanged";

  auto out = torch::empty({2, 3, 16}, kF64);
  project_side_by_side(group, x, out);
  EXPECT_LT((out - expected).abs().max().item<double>(), 1e-12);

  fuse_linear_weights(group);  // already fused: the same tensor stays
  EXPECT_EQ(fused_linear_view(group).weight.data_ptr(), view.weight.data_ptr());
}

TEST(FusedProjection, AReplacedWeightEndsTheFusedProduct) {
  torch::manual_seed(2);
  auto group = random_group({4, 4, 4}, 3, /*bias=*/false);
  fuse_linear_weights(group);
  ASSERT_TRUE(fused_linear_view(group).weight.defined());
  EXPECT_FALSE(fused_linear_view(group).bias.defined()) << "layers without bias";
  // A loader (or anyone) re-pointing one weight: the products must read the new values.
  group[1]->weight.set_data(group[1]->weight * 2);
  EXPECT_FALSE(fused_linear_view(group).weight.defined());
  auto x = torch::randn({7, 3}, kF64);
  auto out = torch::empty({7, 12}, kF64);
  project_side_by_side(group, x, out);
  EXPECT_LT((out - separately(group, x)).abs().max().item<double>(), 1e-12);
}

TEST(FusedProjection, AdjacentMemoryOfDifferentTensorsDoesNotCount) {
  // Two tensors over neighbouring memory but different storages (as two allocations of a
  // caching allocator can be): a fused view of the first would reach beyond its storage.
  auto buffer = torch::randn({8, 3}, kF64);
  auto group = random_group({4, 4}, 3, /*bias=*/false);
  group[0]->weight.set_data(torch::from_blob(buffer.data_ptr<double>(), {4, 3}, kF64));
  group[1]->weight.set_data(torch::from_blob(buffer.data_ptr<double>() + 12, {4, 3}, kF64));
  EXPECT_FALSE(fused_linear_view(group).weight.defined());
}

TEST(FusedProjection, TrainableWeightsAreNotReadThroughTheFusedView) {
  // Through the view autograd would credit to_q with the gradient of all three.
  auto group = random_group({4, 4, 4}, 3, /*bias=*/true);
  fuse_linear_weights(group);
  for (auto& l : group) l->weight.requires_grad_(true);
  EXPECT_FALSE(fused_linear_view(group).weight.defined()) << "grad mode on, weights require grad";
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(fused_linear_view(group).weight.defined()) << "inference";
  }
}

TEST(FusedProjection, MixedBiasesAreNotFusedTogether) {
  auto group = random_group({4, 4}, 3, /*bias=*/true);
  group.push_back(random_group({4}, 3, /*bias=*/false)[0]);
  fuse_linear_weights(group);
  EXPECT_FALSE(fused_linear_view(group).weight.defined()) << "a fused weight without the layers' biases";
  auto x = torch::randn({5, 3}, kF64);
  auto out = torch::empty({5, 12}, kF64);
  project_side_by_side(group, x, out);
  EXPECT_LT((out - separately(group, x)).abs().max().item<double>(), 1e-12);
}

// The UNet's attention: a self-attention's q/k/v become one product with the same output and
// residual; a cross-attention's k and v (both read the context) become one, its q stays apart.
TEST(FusedProjection, SelfAttentionFusesQkvCrossAttentionFusesKv) {
  torch::NoGradGuard no_grad;
  AttentionOptions self_options{16, 0, 2, 8, false};
  AttentionOptions cross_options{16, 12, 2, 8, false};
  Attention self(self_options, kF64), cross(cross_options, kF64);
  init_random_weights(*self, 5);
  init_random_weights(*cross, 6);
  torch::manual_seed(7);
  auto x = torch::randn({2, 9, 16}, kF64), context = torch::randn({2, 4, 12}, kF64);
  auto residual = torch::randn({2, 9, 16}, kF64);
  const auto self_before = self->forward(x, {}, residual);
  const auto cross_before = cross->forward(x, context, residual);
  fuse_attention_projections(*self);
  fuse_attention_projections(*cross);
  auto self_params = self->named_parameters();
  EXPECT_TRUE(self_params["to_q.weight"].storage().is_alias_of(self_params["to_v.weight"].storage()));
  auto cross_params = cross->named_parameters();
  EXPECT_TRUE(cross_params["to_k.weight"].storage().is_alias_of(cross_params["to_v.weight"].storage()));
  EXPECT_FALSE(cross_params["to_q.weight"].storage().is_alias_of(cross_params["to_k.weight"].storage()));
  EXPECT_LT((self->forward(x, {}, residual) - self_before).abs().max().item<double>(), 1e-12);
  EXPECT_LT((cross->forward(x, context, residual) - cross_before).abs().max().item<double>(), 1e-12);
}

TEST(FusedOpsReference, LinearWritesIntoAStridedSliceAndAppliesGelu) {
  torch::manual_seed(3);
  auto x = torch::randn({2, 5, 8}, kF64), w = torch::randn({6, 8}, kF64), b = torch::randn({6}, kF64);
  auto buffer = torch::zeros({2, 7, 18}, kF64);
  auto slice = buffer.narrow(1, 1, 5).narrow(2, 6, 6);  // rows 1..5 of each batch, columns 6..11
  fused::linear(x, w, b, {}, slice);
  EXPECT_LT((slice - torch::linear(x, w, b)).abs().max().item<double>(), 1e-12);
  EXPECT_EQ(buffer.narrow(2, 0, 6).abs().max().item<double>(), 0.0) << "nothing outside the slice";
  EXPECT_EQ(buffer.narrow(1, 0, 1).abs().max().item<double>(), 0.0);

  auto gelu = fused::linear(x, w, b, {}, {}, fused::Activation::gelu_tanh);
  auto expected = torch::gelu(torch::linear(x, w, b), "tanh");
  EXPECT_LT((gelu - expected).abs().max().item<double>(), 1e-12);
  EXPECT_GT((gelu - torch::gelu(torch::linear(x, w, b))).abs().max().item<double>(), 1e-6) << "tanh, not erf";
  EXPECT_THROW(fused::linear(x, w, b, torch::zeros({2, 5, 6}, kF64), {}, fused::Activation::gelu_tanh),
               std::invalid_argument);
}

TEST(FusedOpsReference, LayerNormModulateIsNormThenPerBatchScaleAndShift) {
  torch::manual_seed(4);
  auto x = torch::randn({2, 4, 8}, kF64);
  auto modulation = torch::randn({2, 3 * 8}, kF64);  // chunks of one vector, as the adaLN linear gives
  auto chunks = modulation.chunk(3, 1);
  auto y = fused::layer_norm_modulate(x, chunks[0], chunks[1], 1e-6);
  for (int64_t b = 0; b < 2; ++b) {
    auto mean = x[b].mean(-1, true), var = x[b].var(-1, /*unbiased=*/false, true);
    auto expected = (x[b] - mean) / torch::sqrt(var + 1e-6) * (1 + chunks[1][b]) + chunks[0][b];
    EXPECT_LT((y[b] - expected).abs().max().item<double>(), 1e-12) << b;
  }
}

}  // namespace
}  // namespace drf
