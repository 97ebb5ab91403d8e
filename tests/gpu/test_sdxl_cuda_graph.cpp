// SDXL through the CUDA-graph denoiser at 1024 px (random:sdxl, fp16): the pooled embedding and
// the time ids are static inputs of the captured graph, not constants baked into it. A replay
// with other time ids (original size) or another pooled vector gives what the eager UNet gives
// for them, and differs from the first replay. Then base -> refiner (random:sdxl-refiner) runs
// through the engine with CUDA graphs, sequential and DRiffusion.
#include <gtest/gtest.h>

#include <chrono>

#include "core/engine/denoiser_accelerator.h"
#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "gpu_test_support.h"

namespace drf {
namespace {

// Max |a - b| relative to max |b|.
double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  const auto fa = a.to(torch::kFloat32), fb = b.to(torch::kFloat32);
  return (fa - fb).abs().max().item<double>() / std::max(1e-12, fb.abs().max().item<double>());
}

TEST(SdxlCudaGraph, PooledAndTimeIdsAreStaticInputsOfTheGraph) {
  DRF_REQUIRE_GPUS(1);
  PipelineRequest r;
  r.source = "random:sdxl";
  r.device = torch::Device(torch::kCUDA, 0);
  r.dtype = torch::kFloat16;
  std::shared_ptr<Pipeline> p(load_pipeline(r));
  std::vector<std::string> warnings;
  const auto shape = p->state_shape(1024, 1024);
  Conditioning c = p->encode("a lighthouse on a cliff", "blurry", 7.0, 0, warnings);
  p->condition_on_size(c, shape, GenerationSettings{});
  GenerationSettings small;
  small.original_width = small.original_height = 512;  // other time ids
  Conditioning c_small = c;
  p->condition_on_size(c_small, shape, small);
  ASSERT_FALSE(torch::equal(c.cond.time_ids, c_small.cond.time_ids));

  const auto batch = [](const Conditioning& k) { return ConditioningTensors::cat({k.uncond, k.cond}); };
  torch::manual_seed(5);
  const auto x = torch::randn({2, shape[1], shape[2], shape[3]}).to(r.device, torch::kFloat16);
  const auto t = torch::full({2}, 500.0f).to(r.device);
  std::shared_ptr<Denoiser> eager(&p->denoiser(), [](Denoiser*) {});
  auto graph = accelerate_denoiser(eager, r.device);
  ASSERT_NE(graph.get(), eager.get()) << "no CUDA-graph accelerator registered";
  torch::NoGradGuard ng;
  const auto e1 = eager->forward(x, t, batch(c));
  const auto e2 = eager->forward(x, t, batch(c_small));
  ConditioningTensors other_pooled = batch(c);
  other_pooled.pooled = other_pooled.pooled * 0.5;
  const auto e3 = eager->forward(x, t, other_pooled);
  const auto g1 = graph->forward(x, t, batch(c));  // captures
  const auto g1r = graph->forward(x, t, batch(c));  // replays
  const auto g2 = graph->forward(x, t, batch(c_small));
  const auto g3 = graph->forward(x, t, other_pooled);
  torch::cuda::synchronize();
  // The same kernels eager and replayed; fp16 output: bound 1e-2 of the output's range (the
  // GEMM algorithm chosen under capture may differ from the eager call's).
  const double d1 = rel_diff(g1r, e1), d2 = rel_diff(g2, e2), d3 = rel_diff(g3, e3);
  std::printf("SDXL 1024px graph vs eager (rel max): same ids %.3g, other time ids %.3g, other pooled %.3g; "
              "eager: time ids change the output by %.3g, pooled by %.3g\n",
              d1, d2, d3, rel_diff(e2, e1), rel_diff(e3, e1));
  EXPECT_LT(d1, 1e-2);
  EXPECT_LT(d2, 1e-2);
  EXPECT_LT(d3, 1e-2);
  EXPECT_TRUE(torch::equal(g1, g1r));
  // The inputs matter (else the checks above would prove nothing) and the graph follows them.
  EXPECT_GT(rel_diff(e2, e1), 5e-2);
  EXPECT_GT(rel_diff(e3, e1), 5e-2);
  EXPECT_GT(rel_diff(g2, g1), 5e-2);
  EXPECT_GT(rel_diff(g3, g1), 5e-2);
}

TEST(SdxlCudaGraph, BaseThenRefinerThroughTheEngine) {
  DRF_REQUIRE_GPUS(1);
  Engine engine;
  GenerationSettings s;
  s.model = "random:sdxl";
  s.refiner = "random:sdxl-refiner";
  s.refiner_switch = 0.8;
  s.prompt = "a lighthouse on a cliff";
  s.steps = 20;
  s.guidance = 7.0;
  s.devices = {0};
  s.seed = 3;
  using Clock = std::chrono::steady_clock;
  for (auto [mode, width] : {std::pair<Mode, int>{Mode::Sequential, 1}, {Mode::Conservative, 2}, {Mode::Sequential, 1}}) {
    s.mode = mode;
    s.width = width;
    const auto t0 = Clock::now();
    const auto r = engine.generate(s, {});
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::printf("base+refiner 1024px %s width %d: %.0f ms total, sampling %.0f ms, %d serial latencies\n",
                mode_name(mode), width, ms, r.stats.sampling_ms, r.stats.serial_latencies);
    EXPECT_EQ(r.image.width, 1024);
  }
}

}  // namespace
}  // namespace drf
