// The SD modules on CUDA: the random:tiny pipeline in fp16 and fp32 on cuda:0 agrees with the
// CPU fp32 one, replicas on a second GPU agree with the primary, and an end-to-end generation
// runs. Skips without CUDA.
#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"

namespace drf {
namespace {

double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  auto a64 = a.to(torch::kCPU, torch::kFloat64), b64 = b.to(torch::kCPU, torch::kFloat64);
  return (a64 - b64).abs().max().item<double>() / std::max(b64.abs().max().item<double>(), 1e-30);
}

std::unique_ptr<Pipeline> tiny_on(const torch::Device& d, torch::Dtype dt) {
  PipelineRequest r;
  r.source = "random:tiny";
  r.device = d;
  r.dtype = dt;
  return load_pipeline(r);
}

TEST(ModelCuda, TinyPipelineMatchesTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto cpu = tiny_on(torch::kCPU, torch::kFloat32);
  const torch::Device gpu(torch::kCUDA, 0);
  std::vector<std::string> w;
  auto c_ref = cpu->encode("a red fox", "snow", 5.0, 0, w);
  auto x = torch::randn({2, 4, 8, 8});
  auto t = torch::tensor({15.0f, 900.0f});
  auto ctx = torch::cat({c_ref.uncond.context, c_ref.cond.context});
  auto y_ref = cpu->denoiser().forward(x, t, ctx);
  for (auto [dt, tol] : {std::pair<torch::Dtype, double>{torch::kFloat32, 1e-3}, {torch::kFloat16, 3e-2}}) {
    auto p = tiny_on(gpu, dt);
    auto c = p->encode("a red fox", "snow", 5.0, 0, w);
    EXPECT_EQ(c.cond.context.device(), gpu);
    EXPECT_LT(rel_diff(c.cond.context, c_ref.cond.context), tol);
    auto y = p->denoiser().forward(x.to(gpu), t.to(gpu), ctx.to(gpu));
    EXPECT_EQ(y.scalar_type(), dt);
    EXPECT_LT(rel_diff(y, y_ref), tol) << c10::toString(dt);
    auto img = p->decode(x.slice(0, 0, 1).to(gpu));
    EXPECT_EQ(img.device().type(), torch::kCPU);
    EXPECT_LT(rel_diff(img, cpu->decode(x.slice(0, 0, 1))), tol);
    if (torch::cuda::device_count() > 1) {
      const torch::Device gpu1(torch::kCUDA, 1);
      auto replica = p->replicate_denoiser(gpu1);
      EXPECT_NE(replica.get(), &p->denoiser());
      EXPECT_EQ(replica.get(), p->replicate_denoiser(gpu1).get());  // cached
      auto y1 = replica->forward(x.to(gpu1), t.to(gpu1), ctx.to(gpu1));
      EXPECT_EQ(rel_diff(y1, y), 0.0);
    }
  }
}

TEST(ModelCuda, GeneratesOnTheGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Engine engine;
  GenerationSettings s;
  s.model = "random:tiny";
  s.prompt = "an emoji";
  s.steps = 6;
  s.devices = {0};
  s.mode = Mode::Aggressive;
  s.width = 2;
  auto r = engine.generate(s, nullptr);
  EXPECT_EQ(r.image.width, 64);
  EXPECT_EQ(r.stats.serial_latencies, 4);  // 1 + ceil(6 / 2)
}

}  // namespace
}  // namespace drf
