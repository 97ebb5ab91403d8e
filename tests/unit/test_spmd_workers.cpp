// SPMD execution through the copy transport on CPU workers: same result as one worker,
// agreed cancellation, and a failing worker ends the run with its error instead of a hang.
#include <gtest/gtest.h>

#include <thread>

#include "core/analytic/analytic_pipeline.h"
#include "core/engine/loaded_model.h"
#include "core/engine/spmd_evaluator.h"
#include "core/engine/spmd_runner.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/step_noise.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

// The network a worker sees fails on its n-th call: stands in for a GPU that faults.
class FailingDenoiser : public Denoiser {
 public:
  FailingDenoiser(std::shared_ptr<Denoiser> inner, int fail_at) : inner_(std::move(inner)), fail_at_(fail_at) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override {
    if (++calls_ == fail_at_) throw std::runtime_error("CUDA error: an illegal memory access was encountered");
    return inner_->forward(x, t, c);
  }
  PredictionType prediction_type() const override { return inner_->prediction_type(); }

 private:
  std::shared_ptr<Denoiser> inner_;
  int fail_at_;
  int calls_ = 0;
};

class PipelineWithFaultyReplica : public AnalyticPipeline {
 public:
  std::shared_ptr<Denoiser> replicate_denoiser(const torch::Device& d) override {
    if (replicas_++ == 1) return std::make_shared<FailingDenoiser>(AnalyticPipeline::replicate_denoiser(d), 3);
    return AnalyticPipeline::replicate_denoiser(d);
  }
  int replicas_ = 0;
};

SpmdRunRequest request(Pipeline& p, Mode mode, int width, std::vector<torch::Device> devices) {
  SpmdRunRequest r;
  r.pipeline = &p;
  std::vector<std::string> warnings;
  r.conditioning = p.encode("blue", "", 4.0, 0, warnings);
  r.schedule = NoiseSchedule(p.schedule_config());
  r.sampler_options.kind = SamplerKind::DDIM;
  r.sampler_options.steps = 30;
  r.sampler_options.state_shape = {1, 32, 48};
  r.sampler_options.state_options = torch::TensorOptions().dtype(torch::kFloat32);
  r.plan = plan_draft_refine(30, width, mode);
  r.x0 = seeded_noise(9, r.sampler_options.state_shape, r.sampler_options.state_options);
  r.devices = std::move(devices);
  return r;
}

}  // namespace

TEST(SplitRows, BalancedWithRemainderFirst) {
  EXPECT_EQ(split_rows(6, 2), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(split_rows(5, 3), (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(split_rows(1, 3), (std::vector<int64_t>{1, 0, 0}));
}

TEST(SpmdWorkers, SeveralWorkersEqualOneWorker) {
  AnalyticPipeline p;
  for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
    auto one = run_spmd(request(p, mode, 5, {torch::kCPU}));
    auto three = run_spmd(request(p, mode, 5, {torch::kCPU, torch::kCPU, torch::kCPU}));
    EXPECT_EQ(three.transport, "copy");
    EXPECT_EQ(one.sampling.serial_latencies, three.sampling.serial_latencies);
    // Workers evaluate other batch sizes: the float64 mixture rounds each estimate to float32 at
    // most one unit in the last place differently (1.2e-7 relative), and 30 DDIM updates
    // (contractions of the state towards the estimate) carry that without growth past ~1e-6.
    EXPECT_TRUE(torch::allclose(one.sampling.sample, three.sampling.sample, 1e-6, 1e-6))
        << (one.sampling.sample - three.sampling.sample).abs().max().item<double>();
  }
}

TEST(SpmdWorkers, TimingsReportEveryWorker) {
  AnalyticPipeline p;
  struct Collect : SamplingObserver {
    std::vector<RoundReport> reports;
    void on_round(const RoundReport& r) override { reports.push_back(r); }
  } observer;
  auto req = request(p, Mode::Aggressive, 4, {torch::kCPU, torch::kCPU});
  req.observer = &observer;
  req.measure = true;
  run_spmd(req);
  ASSERT_EQ(observer.reports.size(), req.plan.rounds.size());
  for (const auto& r : observer.reports) {
    ASSERT_EQ(r.timings.size(), 2u);
    EXPECT_GE(r.timings[0].eval_ms, 0.0);
  }
  EXPECT_EQ(observer.reports.back().latencies_done, req.plan.serial_latencies());
}

TEST(SpmdWorkers, CancelStopsEveryWorkerAtTheSameRound) {
  AnalyticPipeline p;
  std::atomic<bool> cancel{false};
  struct CancelAfter : SamplingObserver {
    std::atomic<bool>* flag;
    int rounds = 0;
    void on_round(const RoundReport&) override {
      if (++rounds == 2) flag->store(true);
    }
  } observer;
  observer.flag = &cancel;
  auto req = request(p, Mode::Aggressive, 3, {torch::kCPU, torch::kCPU, torch::kCPU});
  req.cancel = &cancel;
  req.observer = &observer;
  EXPECT_THROW(run_spmd(req), Cancelled);
  EXPECT_EQ(observer.rounds, 2);
}

TEST(SpmdWorkers, AFailingWorkerEndsTheRunWithItsError) {
  PipelineWithFaultyReplica p;
  auto req = request(p, Mode::Aggressive, 4, {torch::kCPU, torch::Device("cpu:0")});
  // Two distinct device strings give two replicas, the second of which fails.
  try {
    run_spmd(req);
    FAIL() << "expected the worker's error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("illegal memory access"), std::string::npos) << e.what();
  }
}

TEST(SpmdWorkers, AKeptGroupServesSeveralRunsWithTheSameResult) {
  AnalyticPipeline p;
  auto req = request(p, Mode::Aggressive, 4, std::vector<torch::Device>(3, torch::kCPU));
  req.group = make_transport_group(req.devices, /*force_copy=*/true);
  const auto first = run_spmd(req).sampling.sample;
  const auto second = run_spmd(req).sampling.sample;
  EXPECT_TRUE(torch::equal(first, second));
  EXPECT_FALSE(req.group->barrier().aborted());
}

TEST(LoadedModelTransport, KeepsTheGroupPerDeviceSetAndReplacesAnAbortedOne) {
  LoadedModel model(std::make_shared<AnalyticPipeline>());
  const std::vector<torch::Device> two(2, torch::kCPU), three(3, torch::kCPU);
  auto a = model.transport_group(two);
  EXPECT_EQ(a, model.transport_group(two)) << "a second job on the same devices reuses the group";
  a->abort("a worker failed");
  auto b = model.transport_group(two);
  EXPECT_NE(a, b) << "an aborted group is never handed out again";
  EXPECT_FALSE(b->barrier().aborted());
  auto c = model.transport_group(three);
  EXPECT_EQ(c->size(), 3);
}
