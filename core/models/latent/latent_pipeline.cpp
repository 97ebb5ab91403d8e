#include "core/models/latent/latent_pipeline.h"

#include <filesystem>

#include "core/models/latent/vae_override.h"
#include "core/util/cudnn_heuristics.h"
#include "core/util/errors.h"

namespace drf {

LatentPipeline::LatentPipeline(SdPipelineInfo info, torch::Device device, torch::Dtype dtype)
    : info_(std::move(info)), device_(device), dtype_(dtype), hash_(info_.hash_file) {}

ModelSummary LatentPipeline::summary_header(const std::string& architecture, PredictionType prediction,
                                            int native_size) const {
  ModelSummary s;
  s.name = info_.name;
  for (const auto& n : info_.notes) s.name += "; " + n;
  s.source = info_.source;
  s.architecture = architecture;
  s.prediction_type = prediction_type_name(prediction);
  s.native_width = s.native_height = native_size;
  s.pixel_space = false;
  return s;
}

std::vector<int64_t> LatentPipeline::checked_state_shape(int width, int height, int64_t native, int64_t step,
                                                         int64_t min, int64_t max, int64_t f, int64_t channels,
                                                         const std::string& why) {
  const int64_t w = width > 0 ? width : native, h = height > 0 ? height : native;
  for (int64_t v : {w, h})
    if (v % step != 0 || v < min || v > max)
      throw UsageError("image size " + std::to_string(w) + "x" + std::to_string(h) +
                       " is not possible with this model: width and height must be multiples of " +
                       std::to_string(step) + " between " + std::to_string(min) + " and " + std::to_string(max) + " (" +
                       why + ")");
  return {1, channels, h / f, w / f};
}

torch::Tensor LatentPipeline::decode_with_vae(AutoencoderKL& vae, const torch::Tensor& state) const {
  torch::NoGradGuard no_grad;
  ScopedCudnnHeuristics once_per_image;  // no algorithm timing for shapes used once
  const auto vae_dtype = vae->parameters().front().scalar_type();
  auto image = vae->decode_scaled(state.to(device_, vae_dtype));
  return (image * 0.5 + 0.5).clamp(0, 1).to(torch::kCPU, torch::kFloat32)[0];
}

void LatentPipeline::replace_vae_in(AutoencoderKL& vae, VaeConfig& config, const std::string& path) {
  vae = load_vae_override(path, config, dtype_, device_);
  config = vae->config();
  info_.notes.push_back("VAE " + std::filesystem::path(path).filename().string());
}

std::string LatentPipeline::merge_lora(const std::string& path, double strength,
                                      const std::vector<LoraModule>& modules) {
  const LoraMergeReport report = merge_lora_file(path, strength, modules);
  info_.notes.push_back(lora_note(path, strength));
  return report.summary();
}

std::shared_ptr<Denoiser> LatentPipeline::replicate_denoiser(const torch::Device& device) {
  if (device == device_) return denoiser_;
  return replicas_.get(device, [&] { return make_replica(device); });
}

}  // namespace drf
