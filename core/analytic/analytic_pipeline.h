// The analytic Gaussian-mixture model as an engine pipeline ("--model analytic"): prompts
// pick colour classes, images are the 4x4 samples upscaled to 128x128.
#pragma once
#include "core/analytic/gaussian_mixture.h"
#include "core/engine/pipeline.h"

namespace drf {

class AnalyticPipeline : public Pipeline {
 public:
  AnalyticPipeline();
  ModelSummary summary() const override;
  ScheduleConfig schedule_config() const override { return schedule_config_; }
  std::vector<int64_t> state_shape(int width, int height) const override;
  Conditioning encode(const std::string& prompt, const std::string& negative, double guidance, int clip_skip,
                      std::vector<std::string>& warnings) override;
  torch::Tensor decode(const torch::Tensor& state) override;
  torch::Tensor preview(const torch::Tensor& states) override;
  Denoiser& denoiser() override { return *denoiser_; }
  std::shared_ptr<Denoiser> replicate_denoiser(const torch::Device&) override { return denoiser_; }
  torch::Device device() const override { return torch::kCPU; }
  torch::Dtype dtype() const override { return torch::kFloat32; }

  static constexpr int kImageSize = 128;

 private:
  ScheduleConfig schedule_config_;
  std::shared_ptr<GaussianMixtureDenoiser> denoiser_;
};

}  // namespace drf
