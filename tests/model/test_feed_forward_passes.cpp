// The GEGLU feed-forward runs its rows in bounded passes (to bound the hidden activation of a
// batch of drafts); every pass size must give the all-at-once result, residual included.
//
// The claim is that the passes compute the same function, not the same float32 bits: a matrix
// product over other row counts may take other BLAS kernels and blockings (another CPU, another
// OPENBLAS_CORETYPE, another thread count), which reorders each dot product's sum. The module
// therefore runs in float64 here, where any reordering of these sums (at most 64 terms of size
// ~10) moves a result by far less than 1e-12; a wrong row offset or a lost residual moves it by ~1.
#include <gtest/gtest.h>

#include "core/models/nn/transformer_2d.h"

namespace drf {
namespace {

FeedForward random_feed_forward(int64_t dim) {
  FeedForward ff(dim, dim * 4, torch::TensorOptions().dtype(torch::kFloat64));
  torch::manual_seed(5);
  torch::NoGradGuard no_grad;
  for (auto& p : ff->parameters()) p.copy_(torch::randn(p.sizes(), torch::kFloat64) * 0.3);
  return ff;
}

TEST(FeedForwardPasses, EveryPassSizeGivesTheAllAtOnceResult) {
  torch::NoGradGuard no_grad;
  auto ff = random_feed_forward(16);
  auto x = torch::randn({3, 50, 16}, torch::kFloat64);
  auto residual = torch::randn({3, 50, 16}, torch::kFloat64);
  ff->max_rows_per_pass = 0;
  const auto whole = ff->forward(x, residual);
  EXPECT_EQ(whole.sizes(), x.sizes());
  // The reference math spelled out: residual + W2 (a * gelu(b)) + b2 with [a, b] = W1 x + b1.
  auto params = ff->named_parameters();
  auto h = torch::linear(x, params["net.0.proj.weight"], params["net.0.proj.bias"]).chunk(2, -1);
  auto want = residual + torch::linear(h[0] * torch::gelu(h[1]), params["net.2.weight"], params["net.2.bias"]);
  EXPECT_TRUE(torch::allclose(whole, want, 1e-12, 1e-12));
  for (int64_t rows : {1, 7, 64, 149, 150, 1000}) {  // 150 rows in all: uneven, exact and single passes
    ff->max_rows_per_pass = rows;
    const auto passes = ff->forward(x, residual);
    ASSERT_EQ(passes.sizes(), x.sizes());
    EXPECT_TRUE(torch::allclose(passes, whole, 1e-12, 1e-12)) << "passes of " << rows << " rows";
  }
}

// Training and LCM distillation (app/train) run the feed-forward with trainable weights: the
// passes' out= products cannot be differentiated, so such a forward must take all rows at once
// and give the gradients of the all-at-once math, whatever max_rows_per_pass says.
TEST(FeedForwardPasses, ForwardThatRecordsGradientsIsDifferentiable) {
  auto ff = random_feed_forward(16);
  for (auto& p : ff->parameters()) p.set_requires_grad(true);
  auto x = torch::randn({3, 50, 16}, torch::kFloat64);
  auto residual = torch::randn({3, 50, 16}, torch::kFloat64);
  auto gradients = [&](int64_t rows_per_pass) {
    ff->max_rows_per_pass = rows_per_pass;
    ff->zero_grad();
    ff->forward(x, residual).square().sum().backward();
    return ff->named_parameters()["net.2.weight"].grad().clone();
  };
  const auto whole = gradients(0);
  torch::Tensor passes;
  ASSERT_NO_THROW(passes = gradients(7));
  EXPECT_TRUE(torch::allclose(passes, whole, 1e-12, 1e-12));
  EXPECT_GT(whole.abs().max().item<double>(), 0.0);
}

TEST(FeedForwardPasses, DefaultPassKeepsOneSd15SampleWhole) {
  // 64x64 latent tokens of one SD 1.5 sample with guidance (2 rows of the batch) fit one pass:
  // the sequential sampler's call runs exactly as before.
  EXPECT_GE(FeedForwardImpl::kDefaultMaxRowsPerPass, 2 * 64 * 64);
  EXPECT_EQ(random_feed_forward(8)->max_rows_per_pass, FeedForwardImpl::kDefaultMaxRowsPerPass);
}

}  // namespace
}  // namespace drf
