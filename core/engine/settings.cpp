#include "core/engine/settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf {

const char* sampler_name(SamplerKind s) { return sampler_info(s).display_name; }

SamplerKind parse_sampler(const std::string& s) {
  if (auto k = find_sampler(s)) return *k;
  throw UsageError("unknown sampler '" + s + "' (expected one of " + sampler_names() + ")");
}

ScheduleKind parse_schedule(const std::string& s) {
  if (auto k = find_schedule(s)) return *k;
  throw UsageError("unknown schedule '" + s + "' (expected one of " + schedule_names() + ")");
}

ScheduleKind effective_schedule(const GenerationSettings& s) {
  return s.karras_sigmas ? ScheduleKind::Karras : s.schedule;
}

int default_warmup(const GenerationSettings& s) {
  // Drafts from the first, noisiest states carry the largest errors, and a solver that adds
  // fresh noise leans on its estimate the most. Four warm-up steps bring DDPM / Euler a and DPM++
  // 2M SDE as close to their sequential images as the deterministic solvers are without any, and
  // issue 19's repro image from 12 to 27 dB (two or three steps leave it in another mode);
  // measured at 25 steps, where the fourth step costs one latency over two (docs/fidelity.md,
  // "Warm-up"). LCM gains nothing from them. Deterministic solvers keep the full speedup by
  // default; one warm-up step buys them several dB for one latency where the user wants it.
  if (s.sampler == SamplerKind::LCM) return 0;
  const bool stochastic = sampler_info(s.sampler).stochastic || (s.sampler == SamplerKind::DDIM && s.eta > 0);
  return stochastic ? 4 : 0;
}

int effective_warmup(const GenerationSettings& s) {
  const int w = s.warmup_steps == GenerationSettings::kAutoWarmup ? default_warmup(s) : s.warmup_steps;
  return std::min(w, s.steps);
}

bool is_valid_image_size(int pixels) {
  return pixels >= kImageSizeMin && pixels <= kImageSizeMax && pixels % kImageSizeMultiple == 0;
}

bool is_valid_t5_device(const std::string& d) {
  if (d.empty() || d == "cpu") return true;
  const std::string prefix = "cuda:";
  if (d.size() <= prefix.size() || d.size() > prefix.size() + 3 || d.compare(0, prefix.size(), prefix) != 0)
    return false;
  return std::all_of(d.begin() + static_cast<std::ptrdiff_t>(prefix.size()), d.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

void validate_lora(const LoraChoice& l) {
  if (l.path.empty()) throw UsageError("a LoRA entry has no file");
  if (!std::isfinite(l.strength) || std::abs(l.strength) > kLoraStrengthLimit)
    throw UsageError("LoRA strength must be between -10 and 10, got " + std::to_string(l.strength) + " for " + l.path);
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// "PATH:STRENGTH" when all the text after the last ':' is a number; else all of it is the path
// (a ":" inside a file name stays part of the path).
LoraChoice parse_lora_entry(const std::string& entry) {
  LoraChoice c;
  c.path = entry;
  const auto colon = entry.rfind(':');
  if (colon != std::string::npos) {
    // from_chars: the C locale's decimal comma (a GUI under a German locale) must not matter.
    std::string number = trimmed(entry.substr(colon + 1));
    if (!number.empty() && number[0] == '+') number.erase(0, 1);
    double v = 0;
    const auto r = std::from_chars(number.data(), number.data() + number.size(), v);
    if (!number.empty() && r.ec == std::errc() && r.ptr == number.data() + number.size()) {
      c.path = trimmed(entry.substr(0, colon));
      c.strength = v;
    }
  }
  validate_lora(c);
  return c;
}

}  // namespace

std::string format_lora_list(const std::vector<LoraChoice>& loras) {
  std::string out;
  for (const auto& l : loras) out += (out.empty() ? "" : "; ") + l.path + ":" + shortest_number_text(l.strength);
  return out;
}

std::vector<LoraChoice> parse_lora_list(const std::string& text) {
  std::vector<LoraChoice> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(';', start), text.size());
    const std::string entry = trimmed(text.substr(start, end - start));
    if (!entry.empty()) out.push_back(parse_lora_entry(entry));
    start = end + 1;
  }
  return out;
}

void validate_settings(const GenerationSettings& s) {
  if (s.model.empty()) throw UsageError("no model given");
  if (s.steps < 1 || s.steps > 1000) throw UsageError("steps must be between 1 and 1000, got " + std::to_string(s.steps));
  if (!std::isfinite(s.guidance) || s.guidance < 0 || s.guidance > 50)
    throw UsageError("guidance scale must be between 0 and 50, got " + std::to_string(s.guidance));
  if (!std::isfinite(s.eta) || s.eta < 0 || s.eta > 1) throw UsageError("eta must be between 0 and 1");
  if (!std::isfinite(s.s_noise) || s.s_noise < 0 || s.s_noise > 2) throw UsageError("s_noise must be between 0 and 2");
  if (s.mode != Mode::Sequential) {
    if (s.width < 1) throw UsageError("width must be at least 1, got " + std::to_string(s.width));
    if (s.width > s.steps)
      throw UsageError("width " + std::to_string(s.width) + " is larger than the number of steps (" +
                       std::to_string(s.steps) + ")");
    if (s.width > 64) throw UsageError("width must be at most 64, got " + std::to_string(s.width));
    if (s.warmup_steps != GenerationSettings::kAutoWarmup && (s.warmup_steps < 0 || s.warmup_steps > s.steps))
      throw UsageError("warm-up steps must be between 0 and the number of steps (" + std::to_string(s.steps) +
                       ") or auto, got " + std::to_string(s.warmup_steps));
  }
  std::set<int> seen;
  for (int d : s.devices) {
    if (d < 0) throw UsageError("device index must be 0 or more, got " + std::to_string(d));
    if (!seen.insert(d).second) throw UsageError("device " + std::to_string(d) + " is listed twice");
  }
  for (int v : {s.image_width, s.image_height})
    if (v != 0 && !is_valid_image_size(v))
      throw UsageError("image size must be a multiple of " + std::to_string(kImageSizeMultiple) + " between " +
                       std::to_string(kImageSizeMin) + " and " + std::to_string(kImageSizeMax) + ", got " +
                       std::to_string(v));
  if (s.clip_skip < 0 || s.clip_skip > 12) throw UsageError("clip skip must be between 0 and 12");
  // Size conditioning: 0 = the image's size; SDXL was trained on originals up to a few thousand px.
  for (int v : {s.original_width, s.original_height, s.target_width, s.target_height})
    if (v < 0 || v > 16384)
      throw UsageError("original and target sizes must be between 0 (the image's size) and 16384, got " + std::to_string(v));
  for (int v : {s.crop_left, s.crop_top})
    if (v < 0 || v > 16384) throw UsageError("crop coordinates must be between 0 and 16384, got " + std::to_string(v));
  for (double a : {s.aesthetic_score, s.negative_aesthetic_score})
    if (!(a >= 0.0 && a <= 10.0)) throw UsageError("aesthetic scores must be between 0 and 10, got " + std::to_string(a));
  if (!s.refiner.empty() && !(s.refiner_switch > 0.0 && s.refiner_switch < 1.0))
    throw UsageError("the refiner switch must be a fraction of the steps strictly between 0 and 1, got " +
                     std::to_string(s.refiner_switch));
  if (!(s.flow_shift >= 0.0 && s.flow_shift <= 100.0))
    throw UsageError("the flow shift must be between 0 (the model's scheduler config) and 100, got " +
                     std::to_string(s.flow_shift));
  if (!is_valid_t5_device(s.t5_device))
    throw UsageError("the T5 device must be empty (with the model), 'cpu' or 'cuda:N', got '" + s.t5_device + "'");
  if (s.draft_memory_mb < 0 || s.draft_memory_mb > 1024 * 1024)
    throw UsageError("draft memory must be between 0 (no limit) and 1048576 MB, got " +
                     std::to_string(s.draft_memory_mb));
  if (!s.dtype.empty() && s.dtype != "fp32" && s.dtype != "fp16" && s.dtype != "bf16")
    throw UsageError("dtype must be fp32, fp16 or bf16, got '" + s.dtype + "'");
  for (const auto& l : s.loras) validate_lora(l);
  if (s.prompt.size() > 64 * 1024) throw UsageError("prompt is longer than 64 KiB");
  if (s.negative_prompt.size() > 64 * 1024) throw UsageError("negative prompt is longer than 64 KiB");
}

}  // namespace drf
