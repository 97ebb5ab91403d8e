// Plain C++ description of one generation: what the GUI edits, the CLI parses, and the PNG
// metadata stores. No LibTorch types here: ui/ includes this header.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/sampling/draft_mode.h"
#include "core/sampling/sampler_kind.h"

namespace drf {

// A LoRA merged into the model's weights at load (core/models/loaders/lora_merge.h): a
// .safetensors file and how much of its update to add (1 = as trained; negative subtracts).
struct LoraChoice {
  std::string path;
  double strength = 1.0;
  bool operator==(const LoraChoice& o) const { return path == o.path && strength == o.strength; }
  bool operator!=(const LoraChoice& o) const { return !(*this == o); }
};

struct GenerationSettings {
  std::string model = "builtin";  // "builtin", "analytic", "random:sd15", a folder or a .safetensors file
  std::string tokenizer_dir;      // for single-file checkpoints, which carry no tokenizer
  std::string prompt;
  std::string negative_prompt;
  std::uint64_t seed = 0;
  int steps = 25;
  double guidance = 5.0;
  SamplerKind sampler = SamplerKind::DDIM;
  double eta = 0.0;           // DDIM only
  // Older spelling of schedule = Karras (kept so existing readers and tests keep working);
  // effective_schedule() combines the two.
  bool karras_sigmas = false;
  ScheduleKind schedule = ScheduleKind::Default;  // core/sampling/sampler_registry.h
  double s_noise = 1.0;        // noise scale of the ancestral / SDE solvers
  Mode mode = Mode::Sequential;
  int width = 1;               // DRiffusion parallel width n (drafts per round)
  // DRiffusion warm-up: the first steps run one per latency before the drafting rounds
  // (core/sampling/draft_plan.h); kAutoWarmup = the solver's default (default_warmup). A finished
  // job's settings carry the number that ran, so its image reproduces even if the default changes.
  int warmup_steps = kAutoWarmup;
  static constexpr int kAutoWarmup = -1;
  std::vector<int> devices;    // CUDA device ordinals; empty = CPU
  int image_width = 0;         // 0 = the model's native size
  int image_height = 0;
  int clip_skip = 0;           // 0 = the model's default layer
  std::string dtype;           // "", "fp32", "fp16", "bf16"; "" = fp16 on GPU, fp32 on CPU
  // Activation memory a device may spend on a round's drafts beyond what one draft needs (the
  // sequential sampler's working set), in MB; more drafts than fit are evaluated in several
  // network calls. 0 = no limit (one call per round and device, fastest, most memory).
  int draft_memory_mb = kDefaultDraftMemoryMb;
  static constexpr int kDefaultDraftMemoryMb = 256;
  // A VAE to decode with instead of the model's own: a .safetensors file (diffusers or
  // first_stage_model names; the model's VAE config) or a folder with config.json (a diffusers
  // VAE folder, or a model folder's vae/). "" = the model's. E.g. the fp16-fixed SDXL VAE.
  std::string vae;
  // Size and crop micro-conditioning (SDXL's time ids), in pixels. 0 = the image's size for
  // original and target; the crop's top-left corner defaults to (0, 0).
  int original_width = 0, original_height = 0;
  int crop_left = 0, crop_top = 0;
  int target_width = 0, target_height = 0;
  // SDXL refiner conditioning: the aesthetic score of the conditional and unconditional rows.
  double aesthetic_score = 6.0;
  double negative_aesthetic_score = 2.5;
  // Base -> refiner: a second model ("" = none) denoises the steps from refiner_switch (a
  // fraction of the schedule's timesteps, diffusers' denoising_end) on.
  std::string refiner;
  double refiner_switch = 0.8;
  // SD3 / SD3.5 text side and flow schedule. use_t5: encode the prompt with T5-XXL when the model
  // has it; false gives zeros for its context rows, as diffusers' pipeline without text_encoder_3.
  bool use_t5 = true;
  // Shift of the flow-matching sigmas (sigma' = shift s / (1 + (shift - 1) s)); 0 = the model's
  // scheduler config (3.0 for SD3).
  double flow_shift = 0.0;
  // Where T5 runs: "" = with the model, "cpu" (T5-XXL's 4.7 B parameters may stay in host memory
  // while the transformer runs on a GPU) or "cuda:N".
  std::string t5_device;
  // LoRAs merged into the model (in this order) when it loads; empty = the model as it is.
  std::vector<LoraChoice> loras;
};

const char* sampler_name(SamplerKind s);  // display name from the registry: "DDIM", "DPM++ 2M", ...
SamplerKind parse_sampler(const std::string& s);   // any registry name, case-insensitive; throws UsageError
ScheduleKind parse_schedule(const std::string& s); // any registry name, case-insensitive; throws UsageError
ScheduleKind effective_schedule(const GenerationSettings& s);  // karras_sigmas or schedule

// Warm-up steps: default_warmup is what "auto" means for the settings' solver (measured in
// docs/fidelity.md, "Warm-up"); effective_warmup resolves kAutoWarmup and caps at the step count.
int default_warmup(const GenerationSettings& s);
int effective_warmup(const GenerationSettings& s);

// The one rule for a custom image size (GenerationSettings::image_width/height): a multiple of
// kImageSizeMultiple between kImageSizeMin and kImageSizeMax. validate_settings() enforces it and
// the GUI's size fields take their range and step from it, so both always agree.
constexpr int kImageSizeMin = 8;
constexpr int kImageSizeMax = 4096;
constexpr int kImageSizeMultiple = 8;
bool is_valid_image_size(int pixels);  // true for a size the rule above accepts
bool is_valid_t5_device(const std::string& d);  // "", "cpu" or "cuda:N" (GenerationSettings::t5_device)

// The one text form of a LoRA list (CLI --lora, the infotext's "LoRA" field, the GUI's field):
// "PATH[:STRENGTH]" entries separated by ';', e.g. "lcm-lora.safetensors:1; style.safetensors:0.6".
// A missing strength is 1. format_lora_list writes every strength, shortest exact form.
constexpr double kLoraStrengthLimit = 10.0;  // |strength| beyond this is refused: no LoRA is trained for it
std::string format_lora_list(const std::vector<LoraChoice>& loras);
std::vector<LoraChoice> parse_lora_list(const std::string& text);  // UsageError naming the bad entry

// Checks ranges and combinations and throws UsageError with a message that names the setting.
void validate_settings(const GenerationSettings& s);

}  // namespace drf
