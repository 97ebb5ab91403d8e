// Conditioning as named tensors: GuidedPredictor hands the network every tensor of the
// conditioning (context, pooled embedding, time ids, extras), repeated per state with the
// unconditional rows first, and the helpers keep fields apart.
#include <gtest/gtest.h>

#include "core/sampling/guided_predictor.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

// Records what it is given; predicts a value that depends on every conditioning field so a
// dropped or swapped field changes the result.
class RecordingDenoiser : public Denoiser {
 public:
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override {
    seen = c;
    auto per_row = c.context.sum({1, 2}) + 10 * c.pooled.sum(1) + 100 * c.time_ids.sum(1) +
                   1000 * c.extras.at("mask").sum(1);
    return x * 0 + per_row.view({-1, 1, 1, 1});
  }
  PredictionType prediction_type() const override { return PredictionType::Epsilon; }
  ConditioningTensors seen;
};

class ConstantDenoiser : public Denoiser {
 public:
  explicit ConstantDenoiser(double v) : v_(v) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor&, const ConditioningTensors&) override {
    return torch::full_like(x, v_);
  }
  PredictionType prediction_type() const override { return PredictionType::Epsilon; }

 private:
  double v_;
};

ConditioningTensors prompt(float v) {
  ConditioningTensors c;
  c.context = torch::full({1, 3, 2}, v);
  c.pooled = torch::full({1, 4}, v + 1);
  c.time_ids = torch::full({1, 6}, v + 2);
  c.extras["mask"] = torch::full({1, 5}, v + 3);
  return c;
}

}  // namespace

TEST(Conditioning, GuidedCallCarriesEveryNamedTensorUncondFirst) {
  RecordingDenoiser net;
  Conditioning c;
  c.cond = prompt(1.0f);
  c.uncond = prompt(-1.0f);
  c.guidance = 2.0;
  GuidedPredictor predictor(net, c);
  const int64_t k = 3;
  std::vector<EvalPoint> points(static_cast<std::size_t>(k));
  for (auto& p : points) {
    p.c_in = 1.0;
    p.timestep = 500;
    p.alpha_bar = 0.5;
  }
  auto out = predictor.predict(torch::zeros({k, 1, 2, 2}), points);
  ASSERT_EQ(net.seen.context.sizes(), (std::vector<int64_t>{2 * k, 3, 2}));
  ASSERT_EQ(net.seen.pooled.sizes(), (std::vector<int64_t>{2 * k, 4}));
  ASSERT_EQ(net.seen.time_ids.sizes(), (std::vector<int64_t>{2 * k, 6}));
  ASSERT_EQ(net.seen.extras.at("mask").sizes(), (std::vector<int64_t>{2 * k, 5}));
  for (int64_t r = 0; r < 2 * k; ++r) {
    const float v = r < k ? -1.0f : 1.0f;
    EXPECT_EQ(net.seen.pooled[r][0].item<float>(), v + 1) << "row " << r;
    EXPECT_EQ(net.seen.time_ids[r][0].item<float>(), v + 2) << "row " << r;
    EXPECT_EQ(net.seen.extras.at("mask")[r][0].item<float>(), v + 3) << "row " << r;
  }
  // The guided output is uncond + (cond - uncond) * 2 of the per-row values above, converted
  // like any network output: the same as an unguided call to a network that predicts exactly
  // that value.
  const double u = -6 + 10 * 0 + 100 * 6 + 1000 * 10;
  const double cv = 6 + 10 * 8 + 100 * 18 + 1000 * 20;
  ConstantDenoiser combined(u + (cv - u) * 2);
  Conditioning plain;
  plain.cond = torch::zeros({1, 1});
  GuidedPredictor reference(combined, plain);
  EXPECT_TRUE(torch::equal(out, reference.predict(torch::zeros({k, 1, 2, 2}), points)));
}

TEST(Conditioning, UnguidedCallRepeatsTheConditionalTensors) {
  RecordingDenoiser net;
  Conditioning c;
  c.cond = prompt(2.0f);
  GuidedPredictor predictor(net, c);
  std::vector<EvalPoint> points(2);
  for (auto& p : points) p.c_in = p.alpha_bar = 0.5;
  predictor.predict(torch::zeros({2, 1, 2, 2}), points);
  EXPECT_EQ(net.seen.rows(), 2);
  EXPECT_TRUE(torch::equal(net.seen.time_ids, torch::full({2, 6}, 4.0f)));
}

TEST(Conditioning, AContextTensorAloneIsAConditioning) {
  ConditioningTensors c = torch::ones({2, 77, 8});
  EXPECT_TRUE(c.defined());
  EXPECT_FALSE(c.pooled.defined());
  ASSERT_EQ(c.named().size(), 1u);
  EXPECT_EQ(c.named()[0].first, "context");
  EXPECT_EQ(c.narrow_rows(1, 1).rows(), 1);
}

TEST(Conditioning, CatRefusesPartsWithDifferentFields) {
  ConditioningTensors a = prompt(0.0f);
  ConditioningTensors b = torch::zeros({1, 3, 2});
  EXPECT_THROW(ConditioningTensors::cat({a, b}), Error);
  const auto both = ConditioningTensors::cat({a, prompt(1.0f)});
  EXPECT_EQ(both.rows(), 2);
  EXPECT_EQ(both.extras.at("mask").size(0), 2);
  EXPECT_EQ(both.to(torch::kFloat64).pooled.scalar_type(), torch::kFloat64);
}
