#include "core/analytic/analytic_pipeline.h"

#include "core/util/errors.h"

namespace drf {
namespace {

torch::Tensor to_pictures(const torch::Tensor& states, int size) {
  auto x = states.to(torch::kCPU, torch::kFloat32).reshape({-1, 3, 4, 4});
  x = torch::upsample_nearest2d(x, std::vector<int64_t>{size, size});
  return ((x + 1) * 0.5).clamp(0, 1);
}

}  // namespace

AnalyticPipeline::AnalyticPipeline() {
  denoiser_ = std::make_shared<GaussianMixtureDenoiser>(make_demo_mixture(), NoiseSchedule(schedule_config_));
}

ModelSummary AnalyticPipeline::summary() const {
  ModelSummary s;
  s.name = "Analytic Gaussian mixture (red, green, blue, gold)";
  s.source = "analytic";
  s.architecture = "analytic-gmm";
  s.prediction_type = prediction_type_name(denoiser_->prediction_type());
  s.native_width = s.native_height = kImageSize;
  s.pixel_space = true;
  s.parameter_counts = {{"mixture", static_cast<long long>(denoiser_->mixture().means.numel() +
                                                           2 * denoiser_->mixture().components())}};
  return s;
}

std::vector<int64_t> AnalyticPipeline::state_shape(int width, int height) const {
  if ((width != 0 && width != kImageSize) || (height != 0 && height != kImageSize))
    throw UsageError("the analytic model makes " + std::to_string(kImageSize) + "x" + std::to_string(kImageSize) +
                     " images only, not " + std::to_string(width) + "x" + std::to_string(height));
  return {1, 3, 4, 4};
}

Conditioning AnalyticPipeline::encode(const std::string& prompt, const std::string& negative, double guidance,
                                      int /*clip_skip*/, std::vector<std::string>& warnings) {
  const GaussianMixture& m = denoiser_->mixture();
  Conditioning c;
  c.cond = m.weights_for_prompt(prompt).to(torch::kFloat32).unsqueeze(0);
  c.uncond = m.weights_for_prompt(negative).to(torch::kFloat32).unsqueeze(0);
  c.guidance = guidance;
  if (!prompt.empty() && torch::equal(c.cond.context, m.weights.to(torch::kFloat32).unsqueeze(0)))
    warnings.push_back("the analytic model knows only the words red, green, blue and gold; sampling unconditionally");
  return c;
}

torch::Tensor AnalyticPipeline::decode(const torch::Tensor& state) { return to_pictures(state, kImageSize)[0]; }

torch::Tensor AnalyticPipeline::preview(const torch::Tensor& states) { return to_pictures(states, 64); }

}  // namespace drf
