#include "app/train/batched_sampling.h"

#include <chrono>

#include <torch/cuda.h>

#include "core/sampling/draft_plan.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/sequential_sampler.h"
#include "core/sampling/step_noise.h"
#include "core/util/errors.h"

namespace drf::train {
namespace {

// Unfolds [B, P*C, H, W] into [B*P, C, H, W] for the real denoiser; the context arrives as
// [B, P, L, D] (the Conditioning holds all P prompts) and is unfolded the same way.
class FoldedDenoiser : public Denoiser {
 public:
  FoldedDenoiser(Denoiser& inner, int64_t prompts) : inner_(inner), prompts_(prompts) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& cond) override {
    const int64_t b = x.size(0), c = x.size(1) / prompts_, h = x.size(2), w = x.size(3);
    auto xs = x.reshape({b * prompts_, c, h, w});
    auto ts = t.repeat_interleave(prompts_);
    auto cs = cond.map([&](const torch::Tensor& v) {  // [B, P, ...] -> [B*P, ...]
      std::vector<int64_t> shape{b * prompts_};
      for (int64_t d = 2; d < v.dim(); ++d) shape.push_back(v.size(d));
      return v.reshape(shape);
    });
    return inner_.forward(xs, ts, cs).reshape({b, prompts_ * c, h, w});
  }
  PredictionType prediction_type() const override { return inner_.prediction_type(); }

 private:
  Denoiser& inner_;
  int64_t prompts_;
};

}  // namespace

BatchSamplingResult generate_batch(Pipeline& pipeline, const std::vector<std::string>& prompts,
                                   const std::vector<std::uint64_t>& seeds, const BatchSamplingSettings& s, int chunk) {
  if (prompts.size() != seeds.size()) throw UsageError("generate_batch: one seed per prompt is needed");
  torch::NoGradGuard no_grad;
  BatchSamplingResult result;
  std::vector<torch::Tensor> images;
  const NoiseSchedule schedule(pipeline.schedule_config());
  const DraftPlan plan = plan_draft_refine(s.steps, s.width, s.mode);
  const auto shape1 = pipeline.state_shape(0, 0);  // [1, C, H, W]
  for (std::size_t begin = 0; begin < prompts.size(); begin += static_cast<std::size_t>(chunk)) {
    const std::size_t end = std::min(prompts.size(), begin + static_cast<std::size_t>(chunk));
    const auto p = static_cast<int64_t>(end - begin);
    std::vector<ConditioningTensors> cond, uncond;
    std::vector<torch::Tensor> noise;
    std::vector<std::string> warnings;
    for (std::size_t i = begin; i < end; ++i) {
      Conditioning c = pipeline.encode(prompts[i], "", s.guidance, 0, warnings);
      cond.push_back(c.cond);
      if (c.guided()) uncond.push_back(c.uncond);
      noise.push_back(seeded_noise(seeds[i], shape1, torch::TensorOptions().dtype(torch::kFloat32)));
    }
    Conditioning folded;
    folded.guidance = s.guidance;
    auto stack_prompts = [](const std::vector<torch::Tensor>& ts) { return torch::stack(ts, 1); };
    folded.cond = ConditioningTensors::zip(cond, stack_prompts);  // [1, P, L, D]
    if (!uncond.empty()) folded.uncond = ConditioningTensors::zip(uncond, stack_prompts);

    SamplerOptions so;
    so.kind = s.sampler;
    so.steps = s.steps;
    so.eta = 0.0;
    so.seed = seeds[begin];
    so.state_shape = {1, shape1[1] * p, shape1[2], shape1[3]};
    so.state_options = torch::TensorOptions().dtype(torch::kFloat32).device(pipeline.device());
    auto sampler = make_sampler(schedule, so);
    FoldedDenoiser denoiser(pipeline.denoiser(), p);
    GuidedPredictor predictor(denoiser, folded);
    LocalEvaluator evaluator(predictor, nullptr, pipeline.device().str());
    auto x0 = sampler->initial_state(torch::cat(noise, 1).to(pipeline.device()));

    const auto t0 = std::chrono::steady_clock::now();
    SamplingResult r = s.mode == Mode::Sequential ? sample_sequential(*sampler, evaluator, x0)
                                                  : sample_draft_refine(*sampler, evaluator, plan, x0);
    if (pipeline.device().is_cuda()) torch::cuda::synchronize();
    result.sampling_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    result.serial_latencies = r.serial_latencies;
    auto states = r.sample.reshape({p, shape1[1], shape1[2], shape1[3]});
    for (int64_t i = 0; i < p; ++i) images.push_back(pipeline.decode(states.slice(0, i, i + 1)));
  }
  result.images = torch::stack(images);
  return result;
}

}  // namespace drf::train
