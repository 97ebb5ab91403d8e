// The AUTOMATIC1111 "parameters" infotext, the de-facto standard other image tools read:
//
//   <prompt, may span lines>
//   Negative prompt: <negative>          (only when non-empty)
//   Steps: 20, Sampler: DDIM, CFG scale: 7, Seed: 123, Size: 512x512, Model hash: 6ce0161689, Model: v1-5, ...
//
// Keys are joined by ", "; a value containing ',', ':' or a newline is JSON-quoted. DRiffusion
// adds its own keys (below). The parser also reads infotext written by other tools: keys it
// does not interpret are kept, sampler names are mapped where we have that sampler.
//
// Plain C++ with no third-party dependency: the parser is a fuzz target and never throws; it
// runs in time linear in the input (no backtracking regex).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/result.h"
#include "core/engine/settings.h"

namespace drf {

// Keys of the parameters line. The first group is A1111's; the second is DRiffusion's own.
namespace infotext_key {
inline constexpr const char* kSteps = "Steps";
inline constexpr const char* kSampler = "Sampler";
inline constexpr const char* kScheduleType = "Schedule type";  // a schedule's display name: "Karras"
inline constexpr const char* kSigmaNoise = "Sigma noise";      // s_noise of ancestral / SDE solvers
inline constexpr const char* kEtaDdim = "Eta DDIM";
inline constexpr const char* kCfgScale = "CFG scale";
inline constexpr const char* kSeed = "Seed";
inline constexpr const char* kSize = "Size";
inline constexpr const char* kModelHash = "Model hash";
inline constexpr const char* kModel = "Model";
inline constexpr const char* kClipSkip = "Clip skip";
inline constexpr const char* kVersion = "Version";
inline constexpr const char* kMode = "DRiffusion mode";            // sequential / conservative / aggressive
inline constexpr const char* kWidth = "DRiffusion width";          // drafts per round (not for sequential)
// Steps run one per latency before drafting, written when not 0 (and not for sequential). Absent
// from a DRiffusion image: 0, also for images of versions before warm-up existed.
inline constexpr const char* kWarmupSteps = "DRiffusion warmup steps";  // no hyphen: A1111 keys are [\w ]+
inline constexpr const char* kDevices = "DRiffusion devices";      // "cpu" or "cuda:0, cuda:1"
inline constexpr const char* kSerialLatencies = "Serial latencies";  // network latencies on the critical path
inline constexpr const char* kLatencySpeedup = "Latency speedup";    // steps / serial latencies
inline constexpr const char* kMeasuredSpeedup = "Measured speedup";  // sequential time / this run's time, when measured
inline constexpr const char* kDtype = "Dtype";
// Size and crop micro-conditioning (SDXL), written only when set: "2048x1536", crop "LEFTxTOP".
inline constexpr const char* kOriginalSize = "Original size";
inline constexpr const char* kCropCoords = "Crop";
inline constexpr const char* kTargetSize = "Target size";
inline constexpr const char* kAestheticScore = "Aesthetic score";
inline constexpr const char* kNegativeAestheticScore = "Negative aesthetic score";
inline constexpr const char* kVae = "VAE";                       // the VAE override (file or folder name)
// LoRAs merged into the model, written only when there are some: "style.safetensors:0.6; lcm.safetensors:1"
// (format_lora_list, core/engine/settings.h).
inline constexpr const char* kLora = "LoRA";
inline constexpr const char* kRefiner = "Refiner";               // as AUTOMATIC1111 writes it
inline constexpr const char* kRefinerSwitch = "Refiner switch at";  // fraction of the steps
// SD3 / flow models, written only when not the default: "Shift: 3.0", "T5: off", "T5 device: cpu".
inline constexpr const char* kShift = "Shift";
inline constexpr const char* kT5 = "T5";
inline constexpr const char* kT5Device = "T5 device";
}  // namespace infotext_key

// A JSON string literal for `value` (always quoted; non-ASCII kept as UTF-8).
std::string json_quote(const std::string& value);
// A1111's quoting: the value unchanged unless it contains ',', ':', a newline (or any control
// character, or starts with '"'); then a JSON string literal (non-ASCII kept as UTF-8).
std::string quote_infotext_value(const std::string& value);
// The reverse: a value that starts and ends with '"' and is a valid JSON string literal is
// decoded; anything else is returned unchanged (as A1111 does).
std::string unquote_infotext_value(const std::string& value);

// The infotext for one run. Size is written from settings.image_width/height (omitted when 0).
// measured_speedup > 0 adds "Measured speedup" (a comparison run knows it; a single run does not).
std::string format_infotext(const GenerationSettings& settings, const RunStats& stats, const std::string& model_name,
                            const std::string& model_hash, const std::string& version, double measured_speedup = 0);
// The same for a finished result; Size is the size of the image actually produced.
std::string format_infotext(const GenerationResult& result, const std::string& version, double measured_speedup = 0);

struct InfotextParams {
  // The generation settings found. Fields absent from the text keep GenerationSettings'
  // defaults; `model` is left empty (the infotext names a model, not its file).
  GenerationSettings settings;
  bool has_parameters_line = false;  // false: the whole text was taken as the prompt
  std::string model_name, model_hash, version;
  std::string sampler_text;          // the Sampler value as written, e.g. "DPM++ 2M Karras"
  bool sampler_supported = true;     // false: no sampler of ours matches sampler_text
  int serial_latencies = 0;          // 0 when absent
  double latency_speedup = 0, measured_speedup = 0;
  std::vector<std::string> devices;  // "DRiffusion devices" as listed
  // Every key of the parameters line with its unquoted value, in order of appearance.
  std::vector<std::pair<std::string, std::string>> fields;
  std::map<std::string, std::string> unknown;  // keys this parser does not interpret
  std::vector<std::string> warnings;           // values it could not use, unsupported sampler, ...
  // Keys whose value is not a valid number (their setting kept its default): a caller that
  // re-runs the settings must refuse rather than silently use 25 steps or seed 0.
  std::vector<std::string> invalid_numbers;

  bool has(const std::string& key) const;
};

// Parses infotext written by DRiffusion, AUTOMATIC1111 or other tools. Never throws; what it
// cannot interpret is reported in `warnings` / `unknown`. Texts above 1 MiB are not parsed.
InfotextParams parse_infotext(const std::string& text);

// Maps a sampler name as other tools write it (A1111's "DPM++ 2M", its older "DPM++ 2M Karras",
// ComfyUI's "dpmpp_2m", InvokeAI's "k_euler") to ours through the sampler registry; karras is set
// for the older names that carry the schedule. Returns false for samplers we do not have.
bool map_sampler_name(const std::string& name, SamplerKind& kind, bool& karras);

}  // namespace drf
