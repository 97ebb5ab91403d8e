// What the latent-diffusion pipelines (SD 1.x/2.x, SDXL, SD3) share around their own networks:
// the model's name, source and hash file, device and dtype, the model hash read once on first
// use, denoiser replicas per device, the summary's common fields, the image-size check, the
// VAE decode and the VAE override. One copy here instead of three, so that the next latent
// family writes only what is its own: text encoding, its network (the primary denoiser its
// constructor sets, make_replica for other devices, the memory estimate) and its previews.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/engine/pipeline.h"
#include "core/models/loaders/lora_merge.h"
#include "core/models/unet/denoiser_replicas.h"
#include "core/models/vae/autoencoder_kl.h"
#include "core/models/vae/vae_config.h"

namespace drf {

// How a latent model was found and named (the loaders fill it; random:* models too).
struct SdPipelineInfo {
  std::string name;                // display name
  std::string source;              // what the user selected the model with
  std::string hash_file;           // file whose SHA-256 is the model hash ("" = none)
  std::vector<std::string> notes;  // how the model was detected / loaded, shown in the name
};

class LatentPipeline : public Pipeline {
 public:
  Denoiser& denoiser() override { return *denoiser_; }
  // The primary denoiser itself on the pipeline's device; elsewhere the replica make_replica
  // builds, once per device (thread-safe: several SPMD workers ask at once).
  std::shared_ptr<Denoiser> replicate_denoiser(const torch::Device& device) override;
  torch::Device device() const override { return device_; }
  torch::Dtype dtype() const override { return dtype_; }
  // Hashed in the background from load on.
  std::string model_hash(const std::function<void()>& while_waiting = {}) const override {
    return hash_.get(while_waiting);
  }
  const SdPipelineInfo& info() const { return info_; }

 protected:
  LatentPipeline(SdPipelineInfo info, torch::Device device, torch::Dtype dtype);

  // Name (with the loading notes), source, architecture, prediction type and native size; the
  // family appends its components' parameter counts.
  ModelSummary summary_header(const std::string& architecture, PredictionType prediction, int native_size) const;

  // The sampler state [1, channels, h / f, w / f] for width x height (0 = the native size).
  // Each side must be a multiple of `step` within [min, max], else UsageError "image size WxH is
  // not possible with this model: width and height must be multiples of step between min and
  // max (`why`)", where `why` is the family's hint.
  static std::vector<int64_t> checked_state_shape(int width, int height, int64_t native, int64_t step, int64_t min,
                                                  int64_t max, int64_t f, int64_t channels, const std::string& why);

  // The final image [3, H, W] in [0, 1] on the CPU. The VAE runs in its own dtype: an fp32 VAE
  // (force_upcast, or an override) under an fp16 model.
  torch::Tensor decode_with_vae(AutoencoderKL& vae, const torch::Tensor& state) const;

  // Pipeline::replace_vae for a family that keeps its VAE in `vae` and its config in `config`:
  // loads the override (core/models/latent/vae_override.h), adopts its config, notes its name.
  void replace_vae_in(AutoencoderKL& vae, VaeConfig& config, const std::string& path);

  // Pipeline::apply_lora for a family's networks (the denoiser network first): merges the file
  // (core/models/loaders/lora_merge.h) and notes its name and strength in the model's name.
  std::string merge_lora(const std::string& path, double strength, const std::vector<LoraModule>& modules);

  // The family's network as a denoiser on `device` (another device than the pipeline's) with
  // the primary denoiser's weights.
  virtual std::shared_ptr<Denoiser> make_replica(const torch::Device& device) = 0;

  SdPipelineInfo info_;
  torch::Device device_;
  torch::Dtype dtype_;
  std::shared_ptr<Denoiser> denoiser_;  // the primary denoiser: set by the family's constructor

 private:
  DenoiserReplicas replicas_;
  LazyModelHash hash_;
};

}  // namespace drf
