// SD3 / SD3.5 as an engine pipeline: CLIP-L + bigG (+ T5) prompt encoding into the "context"
// and "pooled" conditioning, the MMDiT as a flow-velocity denoiser sampled on the shifted
// flow-matching sigmas (the sampling core's flow Euler and the other flow solvers; DRiffusion
// drafts by the flow skip x + (s_{i+k} - s_i) v), CFG as diffusers' StableDiffusion3Pipeline
// (uncond + g (cond - uncond), the negative prompt encoded even when empty), and the 16-channel
// VAE (float32) for the image.
#pragma once
#include "core/models/latent/latent_pipeline.h"
#include "core/models/sd3/sd3_denoiser.h"
#include "core/models/sd3/sd3_model.h"
#include "core/models/sd/stable_diffusion_pipeline.h"

namespace drf {

class Sd3Pipeline : public LatentPipeline {
 public:
  // `modules` must already hold their weights, on `device` (transformer and CLIPs in `dtype`;
  // T5 and the VAE as build_sd3_modules made them).
  Sd3Pipeline(Sd3ModelConfig config, Sd3Modules modules, Sd3Tokenizers tokenizers, SdPipelineInfo info,
              torch::Device device, torch::Dtype dtype);

  ModelSummary summary() const override;
  ScheduleConfig schedule_config() const override { return config_.schedule; }
  std::vector<int64_t> state_shape(int width, int height) const override;
  // GenerationSettings::use_t5 for the following encode() calls (T5 off: zeros, as without one).
  void set_text_options(const GenerationSettings& settings, std::vector<std::string>& warnings) override;
  Conditioning encode(const std::string& prompt, const std::string& negative, double guidance, int clip_skip,
                      std::vector<std::string>& warnings) override;
  torch::Tensor decode(const torch::Tensor& state) override;
  torch::Tensor preview(const torch::Tensor& states) override;
  int64_t activation_bytes_per_row(const std::vector<int64_t>& state_shape) const override;
  // The MMDiT (diffusers names: transformer.transformer_blocks.N...) and both CLIPs; T5 takes none.
  std::string apply_lora(const std::string& path, double strength) override;

  const Sd3ModelConfig& config() const { return config_; }
  Sd3Modules& modules() { return modules_; }

 private:
  std::shared_ptr<Denoiser> make_replica(const torch::Device& device) override;

  Sd3ModelConfig config_;
  Sd3Modules modules_;
  Sd3Tokenizers tokenizers_;
  bool use_t5_ = true;  // set_text_options; false encodes as if there were no T5
};

// The warning of a job that turned an existing T5 encoder off (GenerationSettings::use_t5).
extern const char* const kSd3T5OffWarning;

// Where and in which dtype T5 is built for a request: PipelineRequest::t5_device ("" = the
// request's device); on the CPU in float32 unless bf16 was asked for (half-precision matrix
// products are missing or slow on CPUs).
torch::TensorOptions sd3_t5_tensor_options(const PipelineRequest& request);

// [k, 16, h, w] SD3 latents -> [k, 3, h, w] in [0, 1] on the CPU: ComfyUI's SD3
// latent_rgb_factors and bias (comfy/latent_formats.py, class SD3) on the sampler's latents.
torch::Tensor sd3_latent_preview(const torch::Tensor& latents);

// random:sd3-medium / sd35-medium / sd35-large / sd3-tiny: the preset with deterministic random
// weights (the position table as diffusers computes it) on the request's device and dtype;
// CLIP tokenizers from the request's tokenizer folder when given, else byte-level stand-ins
// (T5 too).
std::unique_ptr<Sd3Pipeline> make_random_sd3_pipeline(const std::string& preset, const PipelineRequest& request);

}  // namespace drf
