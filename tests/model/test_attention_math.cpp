// The attention kernels (drf::compat: fused SDPA on LibTorch 2.x, written out on 1.13) and the
// timestep features against naive float64 references.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "core/models/nn/timestep_embedding.h"
#include "core/util/torch_compat.h"

namespace drf {
namespace {

torch::Tensor naive_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal) {
  auto q64 = q.to(torch::kFloat64), k64 = k.to(torch::kFloat64), v64 = v.to(torch::kFloat64);
  const int64_t L = q.size(-2), S = k.size(-2);
  auto out = torch::zeros(q64.sizes(), q64.options());
  auto qa = q64.accessor<double, 4>();
  auto ka = k64.accessor<double, 4>();
  auto va = v64.accessor<double, 4>();
  auto oa = out.accessor<double, 4>();
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  for (int64_t b = 0; b < q.size(0); ++b)
    for (int64_t h = 0; h < q.size(1); ++h)
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> w(static_cast<std::size_t>(S), 0.0);
        double mx = -1e300, sum = 0;
        const int64_t last = causal ? i : S - 1;
        for (int64_t j = 0; j <= last; ++j) {
          double s = 0;
          for (int64_t d = 0; d < q.size(-1); ++d) s += qa[b][h][i][d] * ka[b][h][j][d];
          w[static_cast<std::size_t>(j)] = s * scale;
          mx = std::max(mx, w[static_cast<std::size_t>(j)]);
        }
        for (int64_t j = 0; j <= last; ++j) sum += (w[static_cast<std::size_t>(j)] = std::exp(w[static_cast<std::size_t>(j)] - mx));
        for (int64_t d = 0; d < v.size(-1); ++d) {
          double acc = 0;
          for (int64_t j = 0; j <= last; ++j) acc += w[static_cast<std::size_t>(j)] / sum * va[b][h][j][d];
          oa[b][h][i][d] = acc;
        }
      }
  return out;
}

TEST(AttentionMath, MatchesNaiveReference) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  for (int64_t s : {7, 33}) {  // self (L == S) and cross attention (L != S)
    auto q = torch::randn({2, 3, 9, 8}, gen) * 2;
    auto k = torch::randn({2, 3, s, 8}, gen) * 2;
    auto v = torch::randn({2, 3, s, 8}, gen);
    const auto ref = naive_attention(q, k, v, false);
    for (bool upcast : {false, true}) {
      auto got = compat::attention(q, k, v, upcast);
      EXPECT_LT((got.to(torch::kFloat64) - ref).abs().max().item<double>(), 2e-6) << "S=" << s << " upcast=" << upcast;
    }
  }
  auto q = torch::randn({1, 2, 12, 16}, gen), k = torch::randn({1, 2, 12, 16}, gen), v = torch::randn({1, 2, 12, 16}, gen);
  const auto ref = naive_attention(q, k, v, true);
  EXPECT_LT((compat::causal_attention(q, k, v).to(torch::kFloat64) - ref).abs().max().item<double>(), 2e-6);
  // Causality: the first query sees only the first value.
  EXPECT_LT((compat::causal_attention(q, k, v)[0][0][0] - v[0][0][0]).abs().max().item<float>(), 1e-6);
}

TEST(TimestepFeatures, MatchTheSinusoidFormula) {
  const auto t = torch::tensor({0.0, 1.0, 999.0});
  for (bool flip : {true, false})
    for (double shift : {0.0, 1.0}) {
      auto e = timestep_sinusoids(t, 8, flip, shift);
      ASSERT_EQ(e.sizes(), (std::vector<int64_t>{3, 8}));
      for (int r = 0; r < 3; ++r)
        for (int i = 0; i < 4; ++i) {
          const double arg = t[r].item<double>() * std::exp(-std::log(10000.0) * i / (4 - shift));
          const double sin_v = e[r][flip ? 4 + i : i].item<double>(), cos_v = e[r][flip ? i : 4 + i].item<double>();
          EXPECT_NEAR(sin_v, std::sin(arg), 2e-4) << r << " " << i;
          EXPECT_NEAR(cos_v, std::cos(arg), 2e-4) << r << " " << i;
        }
    }
  EXPECT_EQ(timestep_sinusoids(t, 7, true, 0).size(1), 7);
  EXPECT_EQ(timestep_sinusoids(t, 7, true, 0)[1][6].item<float>(), 0.0f);
}

}  // namespace
}  // namespace drf
