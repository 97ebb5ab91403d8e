// The engine on one GPU: the width-1 invariant with CUDA graphs and fp16, batched drafts
// against drafts evaluated one by one, several workers sharing one GPU through the copy
// transport, cancellation, and out-of-memory reported as a device error.
#include <gtest/gtest.h>

#include <c10/cuda/CUDACachingAllocator.h>

#include <cstdio>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/engine/spmd_runner.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/step_noise.h"
#include "core/util/errors.h"
#include "tests/gpu/gpu_test_support.h"

using namespace drf;

namespace {

GenerationSettings on_gpu(const std::string& model, Mode mode, int width, int steps = 20) {
  GenerationSettings s;
  s.model = model;
  s.prompt = "a red bicycle leaning on a wall";
  s.seed = 77;
  s.steps = steps;
  s.guidance = 7.5;
  s.mode = mode;
  s.width = width;
  s.devices = {0};
  return s;
}

// Evaluates each state of a round in its own network call: the unbatched reference.
class OneByOneEvaluator : public RoundEvaluator {
 public:
  explicit OneByOneEvaluator(GuidedPredictor& p) : p_(p) {}
  torch::Tensor evaluate(const torch::Tensor& states, const std::vector<EvalPoint>& points) override {
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < states.size(0); ++i)
      out.push_back(p_.predict(states.narrow(0, i, 1), {points[static_cast<std::size_t>(i)]}));
    return torch::cat(out);
  }

 private:
  GuidedPredictor& p_;
};

}  // namespace

TEST(GpuEngine, WidthOneIsBitIdenticalToSequential) {
  DRF_REQUIRE_GPUS(1);
  Engine engine;
  for (const char* model : {"random:tiny", "random:sd15"}) {
    auto seq = engine.generate(on_gpu(model, Mode::Sequential, 1), nullptr);
    for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
      auto d = engine.generate(on_gpu(model, mode, 1), nullptr);
      EXPECT_EQ(d.image.pixels, seq.image.pixels) << model << " " << mode_name(mode);
      EXPECT_EQ(d.stats.serial_latencies, 20);
    }
    // Same seed, same image, run after run (CUDA graphs replayed).
    EXPECT_EQ(engine.generate(on_gpu(model, Mode::Sequential, 1), nullptr).image.pixels, seq.image.pixels) << model;
  }
}

TEST(GpuEngine, BatchedDraftsMatchUnbatchedUpToFp16Rounding) {
  DRF_REQUIRE_GPUS(1);
  PipelineRequest req{"random:sd15", "", torch::Device(torch::kCUDA, 0), torch::kFloat16};
  auto pipeline = load_pipeline(req);
  std::vector<std::string> warnings;
  auto cond = pipeline->encode("a lighthouse at dusk", "", 7.5, 0, warnings);
  auto shape = pipeline->state_shape(512, 512);
  NoiseSchedule schedule(pipeline->schedule_config());
  SamplerOptions so{SamplerKind::DDIM, 20, 0, false, 3, shape, torch::TensorOptions().device(req.device)};
  auto x0 = seeded_noise(3, shape, so.state_options);
  auto plan = plan_draft_refine(20, 4, Mode::Aggressive);
  GuidedPredictor predictor(pipeline->denoiser(), cond);
  LocalEvaluator batched(predictor, nullptr);
  OneByOneEvaluator single(predictor);
  auto a = sample_draft_refine(*make_sampler(schedule, so), batched, plan, x0).sample;
  auto b = sample_draft_refine(*make_sampler(schedule, so), single, plan, x0).sample;
  const double rel = ((a - b).abs().mean() / b.abs().mean()).item<double>();
  std::printf("batched vs one-by-one drafts: mean relative difference %.3e\n", rel);
  EXPECT_LT(rel, 2e-2);
  EXPECT_TRUE(torch::isfinite(a).all().item<bool>());
}

TEST(GpuEngine, SeveralWorkersOnOneGpuMatchOneWorker) {
  DRF_REQUIRE_GPUS(1);
  PipelineRequest req{"random:tiny", "", torch::Device(torch::kCUDA, 0), torch::kFloat32};
  auto pipeline = load_pipeline(req);
  std::vector<std::string> warnings;
  SpmdRunRequest r;
  r.pipeline = pipeline.get();
  r.conditioning = pipeline->encode("a small boat", "", 5.0, 0, warnings);
  r.schedule = NoiseSchedule(pipeline->schedule_config());
  r.sampler_options = SamplerOptions{SamplerKind::Euler, 16, 0, false, 4, pipeline->state_shape(0, 0),
                                     torch::TensorOptions().device(req.device)};
  r.plan = plan_draft_refine(16, 4, Mode::Aggressive);
  r.x0 = seeded_noise(4, r.sampler_options.state_shape, torch::TensorOptions());
  r.devices = {req.device};
  auto one = run_spmd(r).sampling.sample;
  r.devices = {req.device, req.device, req.device};
  r.force_copy_transport = true;
  auto three = run_spmd(r);
  EXPECT_EQ(three.transport, "copy");
  const double rel = ((three.sampling.sample - one).abs().max() / one.abs().max()).item<double>();
  // TF32 matmuls (enabled by the GPU backend) round differently for different batch splits:
  // 4.5e-4 measured on an H200.
  EXPECT_LT(rel, 2e-3) << rel;
}

TEST(GpuEngine, CancelMidRunLeavesTheEngineUsable) {
  DRF_REQUIRE_GPUS(1);
  Engine engine;
  std::atomic<bool> cancel{false};
  int rounds_after_cancel = 0;
  auto observer = [&](const JobEvent& e) {
    if (e.kind != JobEventKind::RoundDone) return;
    if (cancel) ++rounds_after_cancel;
    if (e.round == 2) cancel = true;
  };
  EXPECT_THROW(engine.generate(on_gpu("random:sd15", Mode::Aggressive, 3, 30), observer, &cancel), Cancelled);
  EXPECT_LE(rounds_after_cancel, 1);  // stops within one round
  auto r = engine.generate(on_gpu("random:sd15", Mode::Aggressive, 3, 10), nullptr);
  EXPECT_FALSE(r.image.empty());
}

// Issue goal: a round of up to 4 drafts on one GPU costs at most 256 MB beyond the sequential
// sampler's working memory (the default draft memory budget), CUDA graph pools included.
TEST(GpuEngine, DraftsStayWithinTheDefaultMemoryBudget) {
  DRF_REQUIRE_GPUS(1);
  Engine engine;
  for (const char* model : {"random:sd15", "random:sd21"}) {
    auto peak_of = [&](const GenerationSettings& s) {
      engine.generate(s, nullptr);  // captures this configuration's graphs
      engine.release_cached_memory();
      return engine.generate(s, nullptr).stats.sampling_peak_mb.at(0);
    };
    const double sequential = peak_of(on_gpu(model, Mode::Sequential, 1, 8));
    for (int width : {2, 3, 4}) {
      auto s = on_gpu(model, Mode::Aggressive, width, 8);
      const double extra = peak_of(s) - sequential;
      EXPECT_LE(extra, GenerationSettings::kDefaultDraftMemoryMb) << model << " width " << width;
      std::printf("%s width %d: %.0f MB beyond the sequential sampler\n", model, width, extra);
    }
    engine.release_models();
  }
}

TEST(GpuEngine, OutOfMemoryIsADeviceErrorWithAdvice) {
  DRF_REQUIRE_GPUS(1);
  Engine engine;
  engine.release_models();
  c10::cuda::CUDACachingAllocator::emptyCache();
  // Let this process use almost none of the card: loading SD 1.5 must fail cleanly.
  c10::cuda::CUDACachingAllocator::setMemoryFraction(0.002, 0);
  try {
    engine.generate(on_gpu("random:sd15", Mode::Aggressive, 4), nullptr);
    ADD_FAILURE() << "expected out of memory";
  } catch (const DeviceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("out of memory"), std::string::npos) << m;
    EXPECT_NE(m.find("cuda:0"), std::string::npos) << m;
    EXPECT_NE(m.find("smaller width"), std::string::npos) << m;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type: " << e.what();
  }
  c10::cuda::CUDACachingAllocator::setMemoryFraction(1.0, 0);
  engine.release_models();
  c10::cuda::CUDACachingAllocator::emptyCache();
  EXPECT_NO_THROW(engine.generate(on_gpu("random:tiny", Mode::Aggressive, 2), nullptr));
}
