// Writing the A1111 infotext (see infotext.h for the format).
#include "core/image/infotext.h"
#include "core/sampling/sampler_registry.h"
#include "core/util/string_util.h"

#include <charconv>
#include <cmath>

namespace drf {
namespace {

// A shift as the reference UIs write it: "3.0" for whole numbers, else the shortest form.
std::string shift_text(double v) {
  std::string t = shortest_number_text(v);
  if (t.find_first_of(".e") == std::string::npos) t += ".0";
  return t;
}

std::string fixed2(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  return std::string(buf, r.ptr);
}

class ParamsLine {
 public:
  void add(const char* key, const std::string& value) {
    if (!line_.empty()) line_ += ", ";
    line_ += key;
    line_ += ": ";
    line_ += quote_infotext_value(value);
  }
  const std::string& str() const { return line_; }

 private:
  std::string line_;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

bool InfotextParams::has(const std::string& key) const {
  for (const auto& f : fields)
    if (f.first == key) return true;
  return false;
}

std::string format_infotext(const GenerationSettings& s, const RunStats& stats, const std::string& model_name,
                            const std::string& model_hash, const std::string& version, double measured_speedup) {
  namespace k = infotext_key;
  ParamsLine p;
  p.add(k::kSteps, std::to_string(s.steps));
  // As current AUTOMATIC1111 writes them: "Sampler: DPM++ 2M, Schedule type: Karras".
  p.add(k::kSampler, sampler_name(s.sampler));
  if (effective_schedule(s) != ScheduleKind::Default)
    p.add(k::kScheduleType, schedule_info(effective_schedule(s)).display_name);
  if (sampler_info(s.sampler).takes_eta && s.eta != 0) p.add(k::kEtaDdim, shortest_number_text(s.eta));
  if (sampler_info(s.sampler).takes_s_noise && s.s_noise != 1.0) p.add(k::kSigmaNoise, shortest_number_text(s.s_noise));
  p.add(k::kCfgScale, shortest_number_text(s.guidance));
  p.add(k::kSeed, std::to_string(s.seed));
  if (s.image_width > 0 && s.image_height > 0)
    p.add(k::kSize, std::to_string(s.image_width) + "x" + std::to_string(s.image_height));
  if (!model_hash.empty()) p.add(k::kModelHash, model_hash);
  if (!model_name.empty()) p.add(k::kModel, model_name);
  if (s.clip_skip > 0) p.add(k::kClipSkip, std::to_string(s.clip_skip));
  if (!s.dtype.empty()) p.add(k::kDtype, s.dtype);
  auto wxh = [](int w, int h) { return std::to_string(w) + "x" + std::to_string(h); };
  if (s.original_width > 0 || s.original_height > 0) p.add(k::kOriginalSize, wxh(s.original_width, s.original_height));
  if (s.crop_left > 0 || s.crop_top > 0) p.add(k::kCropCoords, wxh(s.crop_left, s.crop_top));
  if (s.target_width > 0 || s.target_height > 0) p.add(k::kTargetSize, wxh(s.target_width, s.target_height));
  if (s.aesthetic_score != GenerationSettings{}.aesthetic_score)
    p.add(k::kAestheticScore, shortest_number_text(s.aesthetic_score));
  if (s.negative_aesthetic_score != GenerationSettings{}.negative_aesthetic_score)
    p.add(k::kNegativeAestheticScore, shortest_number_text(s.negative_aesthetic_score));
  if (!s.vae.empty()) p.add(k::kVae, s.vae);
  if (!s.loras.empty()) p.add(k::kLora, format_lora_list(s.loras));
  if (!s.refiner.empty()) {
    p.add(k::kRefiner, s.refiner);
    p.add(k::kRefinerSwitch, shortest_number_text(s.refiner_switch));
  }
  if (s.flow_shift > 0) p.add(k::kShift, shift_text(s.flow_shift));
  if (!s.use_t5) p.add(k::kT5, "off");
  if (!s.t5_device.empty()) p.add(k::kT5Device, s.t5_device);
  p.add(k::kMode, mode_name(s.mode));
  if (s.mode != Mode::Sequential) {
    p.add(k::kWidth, std::to_string(s.width));
    const int warmup = effective_warmup(s);
    if (warmup > 0) p.add(k::kWarmupSteps, std::to_string(warmup));
  }
  if (!stats.devices.empty()) p.add(k::kDevices, join(stats.devices));
  if (stats.serial_latencies > 0) {
    p.add(k::kSerialLatencies, std::to_string(stats.serial_latencies));
    if (std::isfinite(stats.theoretical_speedup) && stats.theoretical_speedup > 0)
      p.add(k::kLatencySpeedup, fixed2(stats.theoretical_speedup));
  }
  if (measured_speedup > 0 && std::isfinite(measured_speedup)) p.add(k::kMeasuredSpeedup, fixed2(measured_speedup));
  if (!version.empty()) p.add(k::kVersion, version);

  std::string text = s.prompt;
  if (!s.negative_prompt.empty()) text += "\nNegative prompt: " + s.negative_prompt;
  text += "\n" + p.str();
  return text;
}

std::string format_infotext(const GenerationResult& r, const std::string& version, double measured_speedup) {
  GenerationSettings s = r.settings;
  if (!r.image.empty()) {
    s.image_width = r.image.width;
    s.image_height = r.image.height;
  }
  return format_infotext(s, r.stats, r.model_name, r.model_hash, version, measured_speedup);
}

}  // namespace drf
