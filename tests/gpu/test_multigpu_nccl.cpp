// DRiffusion over several GPUs through NCCL: the same result as one GPU at the same width
// (up to fp16 reduction order), and a failing device ends the run with an error naming it
// instead of hanging the other workers.
#include <gtest/gtest.h>

#include <chrono>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/engine/spmd_runner.h"
#include "core/sampling/step_noise.h"
#include "tests/gpu/gpu_test_support.h"

using namespace drf;

TEST(MultiGpuNccl, TwoGpusMatchOneGpuAtTheSameWidth) {
  DRF_REQUIRE_GPUS(2);
  Engine engine;
  GenerationSettings s;
  s.model = "random:sd15";
  s.prompt = "a castle on a hill";
  s.seed = 5;
  s.steps = 20;
  s.guidance = 7.5;
  for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
    s.mode = mode;
    s.width = 4;
    s.devices = {0};
    auto one = engine.generate(s, nullptr);
    s.devices = {0, 1};
    auto two = engine.generate(s, nullptr);
    EXPECT_EQ(two.stats.serial_latencies, one.stats.serial_latencies);
    auto d = test::image_diff(one.image, two.image);
    std::printf("%s width 4, 1 vs 2 GPUs: mean |diff| %.3f, max %d (0..255)\n", mode_name(mode), d.mean_abs, d.max_abs);
    EXPECT_LT(d.mean_abs, 2.0);
  }
}

namespace {
class FailingDenoiser : public Denoiser {
 public:
  explicit FailingDenoiser(std::shared_ptr<Denoiser> inner) : inner_(std::move(inner)) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override {
    if (++calls_ == 3) throw std::runtime_error("CUDA error: unspecified launch failure (injected)");
    return inner_->forward(x, t, c);
  }
  PredictionType prediction_type() const override { return inner_->prediction_type(); }

 private:
  std::shared_ptr<Denoiser> inner_;
  int calls_ = 0;
};
}  // namespace

TEST(MultiGpuNccl, AFailingDeviceEndsTheRunWithoutAHang) {
  DRF_REQUIRE_GPUS(2);
  PipelineRequest req{"random:tiny", "", torch::Device(torch::kCUDA, 0), torch::kFloat16};
  auto pipeline = load_pipeline(req);
  std::vector<std::string> warnings;
  SpmdRunRequest r;
  r.pipeline = pipeline.get();
  r.denoiser_for = [&](const torch::Device& d) -> std::shared_ptr<Denoiser> {
    auto base = pipeline->replicate_denoiser(d);
    if (d.index() == 1) return std::make_shared<FailingDenoiser>(base);
    return base;
  };
  r.conditioning = pipeline->encode("x", "", 5.0, 0, warnings);
  r.schedule = NoiseSchedule(pipeline->schedule_config());
  r.sampler_options = SamplerOptions{SamplerKind::DDIM, 20, 0, false, 1, pipeline->state_shape(0, 0),
                                     torch::TensorOptions().device(req.device)};
  r.plan = plan_draft_refine(20, 4, Mode::Aggressive);
  r.x0 = seeded_noise(1, r.sampler_options.state_shape, torch::TensorOptions());
  r.devices = {torch::Device(torch::kCUDA, 0), torch::Device(torch::kCUDA, 1)};
  const auto t0 = std::chrono::steady_clock::now();
  try {
    run_spmd(r);
    ADD_FAILURE() << "expected the injected failure";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("injected"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  // The GPUs are usable afterwards.
  r.denoiser_for = nullptr;
  EXPECT_NO_THROW(run_spmd(r));
}
