// A loaded model as the engine drives it: text encoding, the denoiser, decoding and cheap
// previews. Implemented by the analytic model (core/analytic), the SD 1.x/2.x pipeline and
// the built-in emoji model (core/models). LibTorch-level: not part of the plain facade.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/engine/model_summary.h"
#include "core/engine/settings.h"
#include "core/sampling/denoiser.h"
#include "core/sampling/guided_predictor.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

struct PipelineRequest {
  std::string source;         // "analytic", "builtin", "random:sd15", folder or .safetensors
  std::string tokenizer_dir;  // for single-file checkpoints
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  std::string prediction_type;  // "" = the model's own (config or detection); else overrides it
  std::string vae;              // GenerationSettings::vae: a VAE override file or folder, "" = none
  std::string t5_device;        // GenerationSettings::t5_device: "" = with the model, "cpu", "cuda:N"
  std::vector<LoraChoice> loras;  // GenerationSettings::loras: merged in this order after loading
};

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual ModelSummary summary() const = 0;
  virtual ScheduleConfig schedule_config() const = 0;
  // Sampler state shape [1, C, h, w] for an image of width x height (0 = native size);
  // throws UsageError naming the size when the model cannot produce it.
  virtual std::vector<int64_t> state_shape(int width, int height) const = 0;
  // Conditioning for prompt and negative prompt; `warnings` gets user-visible notes (e.g. a
  // prompt truncated to the context length).
  virtual Conditioning encode(const std::string& prompt, const std::string& negative, double guidance,
                              int clip_skip, std::vector<std::string>& warnings) = 0;
  // Families conditioned on the image size (SDXL's time ids) set it for the state shape the
  // job samples and the settings' original size / crop / target size / aesthetic scores;
  // encode() assumed the native size and the defaults. Others ignore it.
  virtual void condition_on_size(Conditioning& conditioning, const std::vector<int64_t>& state_shape,
                                 const GenerationSettings& settings) const {
    (void)conditioning;
    (void)state_shape;
    (void)settings;
  }
  // Per-job text options of the families that have them, set by the job before encode():
  // SD3's T5 on/off (GenerationSettings::use_t5). Models without a T5 encoder ignore them and
  // say so when they are not the defaults.
  virtual void set_text_options(const GenerationSettings& settings, std::vector<std::string>& warnings) {
    if (!settings.use_t5 || !settings.t5_device.empty())
      warnings.push_back(summary().name + " has no T5 text encoder: the T5 settings are ignored");
  }
  // Final image: [3, H, W] float in [0, 1] on the CPU.
  virtual torch::Tensor decode(const torch::Tensor& state) = 0;
  // Cheap previews of k states: [k, 3, h, w] float in [0, 1] on the CPU.
  virtual torch::Tensor preview(const torch::Tensor& states) = 0;
  virtual Denoiser& denoiser() = 0;
  // The denoiser on `device`: for the pipeline's own device this must be the primary
  // denoiser itself (shared, no copy); for another device a replica with the same weights.
  virtual std::shared_ptr<Denoiser> replicate_denoiser(const torch::Device& device) = 0;
  virtual torch::Device device() const = 0;
  virtual torch::Dtype dtype() const = 0;
  // Estimated activation memory one more network batch row adds at this state shape (the
  // draft memory budget divides by it); 0 = unknown, and no budget applies.
  virtual int64_t activation_bytes_per_row(const std::vector<int64_t>& state_shape) const {
    (void)state_shape;
    return 0;
  }
  // SHA-256 of the model file, first 10 hex digits ("" when there is no single file). The first
  // hash of a multi-GB file may still be running: `while_waiting` is called every ~50 ms until it
  // ends (the job's cancel check throws from it, so a cancel never waits for a hash).
  virtual std::string model_hash(const std::function<void()>& while_waiting = {}) const {
    (void)while_waiting;
    return "";
  }
  // Decode with the VAE at `path` (GenerationSettings::vae: file or folder) from now on;
  // load_pipeline calls it for PipelineRequest::vae. The default refuses with UsageError naming
  // the model: it has no VAE to replace (pixel-space and analytic models).
  virtual void replace_vae(const std::string& path);
  // Merge the LoRA at `path` into the weights (core/models/loaders/lora_merge.h) with
  // `strength`; load_pipeline calls it for each of PipelineRequest::loras before the first
  // job. Returns what changed ("unet 64, text_encoder 72": layers per network). The default
  // refuses with UsageError naming the model (the analytic model has no weights).
  virtual std::string apply_lora(const std::string& path, double strength);
};

// Loads the model named by the request; throws InputError naming the file or source.
std::unique_ptr<Pipeline> load_pipeline(const PipelineRequest& request);

}  // namespace drf
