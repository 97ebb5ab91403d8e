#include "core/image/settings_json.h"
#include "core/sampling/sampler_registry.h"

#include <cmath>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "core/util/errors.h"

namespace drf {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJsonBytes = 1 << 20;
constexpr int kMaxDepth = 8;

[[noreturn]] void fail(const std::string& what) { throw InputError("settings JSON: " + what); }

const char* type_name(const json& j) { return j.type_name(); }

// Reads one JSON object field by field and rejects keys nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_ + " must be an object, got " + type_name(j_));
  }

  const json* find(const std::string& key, bool required) {
    seen_.insert(key);
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) fail(path_ + "." + key + " is missing");
      return nullptr;
    }
    return &*it;
  }

  void string(const std::string& key, std::string& out, bool required = false) {
    if (const json* v = find(key, required)) {
      if (!v->is_string()) fail(where(key) + " must be a string, got " + type_name(*v));
      out = v->get<std::string>();
    }
  }

  void integer(const std::string& key, int& out, bool required = false) {
    if (const json* v = find(key, required)) out = to_int(*v, where(key));
  }

  void number(const std::string& key, double& out, bool required = false) {
    if (const json* v = find(key, required)) {
      if (!v->is_number()) fail(where(key) + " must be a number, got " + type_name(*v));
      out = v->get<double>();
      if (!std::isfinite(out)) fail(where(key) + " must be finite");
    }
  }

  void boolean(const std::string& key, bool& out, bool required = false) {
    if (const json* v = find(key, required)) {
      if (!v->is_boolean()) fail(where(key) + " must be true or false, got " + type_name(*v));
      out = v->get<bool>();
    }
  }

  // A decimal string ("18446744073709551615") or a non-negative whole number.
  void seed(const std::string& key, std::uint64_t& out, bool required = false) {
    const json* v = find(key, required);
    if (!v) return;
    if (v->is_number_unsigned()) {
      out = v->get<std::uint64_t>();
    } else if (v->is_number_integer()) {
      if (v->get<std::int64_t>() < 0) fail(where(key) + " must not be negative");
      out = static_cast<std::uint64_t>(v->get<std::int64_t>());
    } else if (v->is_string()) {
      const std::string s = v->get<std::string>();
      if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
        fail(where(key) + " must be a decimal number of up to 20 digits, got \"" + s.substr(0, 40) + "\"");
      unsigned long long x = 0;
      for (char c : s) {
        const unsigned digit = static_cast<unsigned>(c - '0');
        if (x > (std::numeric_limits<unsigned long long>::max() - digit) / 10) fail(where(key) + " does not fit 64 bits");
        x = x * 10 + digit;
      }
      out = x;
    } else {
      fail(where(key) + " must be a string of digits or a whole number, got " + type_name(*v));
    }
  }

  // The field as an array of at most 256 entries; nullptr when absent (and not required).
  const json* array(const std::string& key, bool required) {
    const json* v = find(key, required);
    if (!v) return nullptr;
    if (!v->is_array()) fail(where(key) + " must be an array, got " + type_name(*v));
    if (v->size() > 256) fail(where(key) + " has more than 256 entries");
    return v;
  }

  void int_array(const std::string& key, std::vector<int>& out, bool required = false) {
    const json* v = array(key, required);
    if (!v) return;
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i) out.push_back(to_int((*v)[i], where(key) + "[" + std::to_string(i) + "]"));
  }

  void string_array(const std::string& key, std::vector<std::string>& out) {
    const json* v = array(key, false);
    if (!v) return;
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) fail(where(key) + "[" + std::to_string(i) + "] must be a string");
      out.push_back((*v)[i].get<std::string>());
    }
  }

  const json* object(const std::string& key, bool required = false) { return find(key, required); }

  // [{"path": "...", "strength": 0.8}, ...]
  void lora_array(const std::string& key, std::vector<LoraChoice>& out) {
    const json* v = array(key, false);
    if (!v) return;
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i) {
      ObjectReader entry((*v)[i], where(key) + "[" + std::to_string(i) + "]");
      LoraChoice c;
      entry.string("path", c.path, true);
      entry.number("strength", c.strength, true);
      entry.finish();
      out.push_back(c);
    }
  }

  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key())) fail(path_ + " has an unknown key '" + it.key().substr(0, 80) + "'");
  }

  std::string where(const std::string& key) const { return path_ + "." + key; }

 private:
  static int to_int(const json& v, const std::string& where) {
    if (!v.is_number_integer()) fail(where + " must be a whole number, got " + type_name(v));
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
        fail(where + " is out of range");
      return static_cast<int>(v.get<std::uint64_t>());
    }
    const std::int64_t x = v.get<std::int64_t>();
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) fail(where + " is out of range");
    return static_cast<int>(x);
  }

  const json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

json settings_object(const GenerationSettings& s) {
  const std::string sampler = sampler_info(s.sampler).name;  // registry name: "dpmpp_2m"
  json o{{"model", s.model},
              {"tokenizer_dir", s.tokenizer_dir},
              {"prompt", s.prompt},
              {"negative_prompt", s.negative_prompt},
              {"seed", std::to_string(s.seed)},
              {"steps", s.steps},
              {"guidance", s.guidance},
              {"sampler", sampler},
              {"eta", s.eta},
              {"karras_sigmas", s.karras_sigmas},
              {"schedule", schedule_info(effective_schedule(s)).name},
              {"s_noise", s.s_noise},
              {"mode", mode_name(s.mode)},
              {"width", s.width},
              {"warmup_steps", s.warmup_steps},
              {"devices", s.devices},
              {"image_width", s.image_width},
              {"image_height", s.image_height},
              {"clip_skip", s.clip_skip},
              {"dtype", s.dtype},
              {"draft_memory_mb", s.draft_memory_mb},
              {"vae", s.vae},
              {"original_width", s.original_width},
              {"original_height", s.original_height},
              {"crop_left", s.crop_left},
              {"crop_top", s.crop_top},
              {"target_width", s.target_width},
              {"target_height", s.target_height},
              {"aesthetic_score", s.aesthetic_score},
              {"negative_aesthetic_score", s.negative_aesthetic_score},
              {"refiner", s.refiner},
              {"refiner_switch", s.refiner_switch},
              {"use_t5", s.use_t5},
              {"flow_shift", s.flow_shift},
              {"t5_device", s.t5_device}};
  // Only with LoRAs: a settings object without them stays readable by versions before LoRAs.
  if (!s.loras.empty()) {
    json loras = json::array();
    for (const auto& l : s.loras) loras.push_back({{"path", l.path}, {"strength", l.strength}});
    o["loras"] = std::move(loras);
  }
  return o;
}

GenerationSettings read_settings(const json& j) {
  ObjectReader r(j, "settings");
  GenerationSettings s;
  std::string sampler, mode, schedule;
  r.string("model", s.model, true);
  r.string("tokenizer_dir", s.tokenizer_dir);
  r.string("prompt", s.prompt, true);
  r.string("negative_prompt", s.negative_prompt);
  r.seed("seed", s.seed, true);
  r.integer("steps", s.steps, true);
  r.number("guidance", s.guidance, true);
  r.string("sampler", sampler, true);
  r.number("eta", s.eta);
  r.boolean("karras_sigmas", s.karras_sigmas);
  r.string("schedule", schedule);
  r.number("s_noise", s.s_noise);
  r.string("mode", mode, true);
  r.integer("width", s.width, true);
  // Absent: written before warm-up existed, when DRiffusion ran none (reproduce that).
  s.warmup_steps = 0;
  r.integer("warmup_steps", s.warmup_steps);
  r.int_array("devices", s.devices);
  r.integer("image_width", s.image_width);
  r.integer("image_height", s.image_height);
  r.integer("clip_skip", s.clip_skip);
  r.string("dtype", s.dtype);
  r.integer("draft_memory_mb", s.draft_memory_mb);
  r.string("vae", s.vae);
  r.integer("original_width", s.original_width);
  r.integer("original_height", s.original_height);
  r.integer("crop_left", s.crop_left);
  r.integer("crop_top", s.crop_top);
  r.integer("target_width", s.target_width);
  r.integer("target_height", s.target_height);
  r.number("aesthetic_score", s.aesthetic_score);
  r.number("negative_aesthetic_score", s.negative_aesthetic_score);
  r.string("refiner", s.refiner);
  r.number("refiner_switch", s.refiner_switch);
  r.boolean("use_t5", s.use_t5);
  r.number("flow_shift", s.flow_shift);
  r.string("t5_device", s.t5_device);
  r.lora_array("loras", s.loras);
  r.finish();
  try {
    s.sampler = parse_sampler(sampler);
    if (!schedule.empty()) s.schedule = parse_schedule(schedule);
    s.mode = parse_mode(mode);
    validate_settings(s);
  } catch (const UsageError& e) {
    fail(e.what());
  }
  return s;
}

json stats_object(const RunStats& st) {
  return json{{"steps", st.steps},
              {"width", st.width},
              {"mode", st.mode},
              {"rounds", st.rounds},
              {"serial_latencies", st.serial_latencies},
              {"sequential_latencies", st.sequential_latencies},
              {"theoretical_speedup", std::isfinite(st.theoretical_speedup) ? st.theoretical_speedup : 0.0},
              {"sampling_ms", st.sampling_ms},
              {"text_encode_ms", st.text_encode_ms},
              {"decode_ms", st.decode_ms},
              {"total_ms", st.total_ms},
              {"devices", st.devices}};
}

RunStats read_stats(const json& j) {
  ObjectReader r(j, "stats");
  RunStats st;
  r.integer("steps", st.steps);
  r.integer("width", st.width);
  r.string("mode", st.mode);
  r.integer("rounds", st.rounds);
  r.integer("serial_latencies", st.serial_latencies);
  r.integer("sequential_latencies", st.sequential_latencies);
  r.number("theoretical_speedup", st.theoretical_speedup);
  r.number("sampling_ms", st.sampling_ms);
  r.number("text_encode_ms", st.text_encode_ms);
  r.number("decode_ms", st.decode_ms);
  r.number("total_ms", st.total_ms);
  r.string_array("devices", st.devices);
  r.finish();
  return st;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json parse_limited(const std::string& text) {
  if (text.size() > kMaxJsonBytes) fail("text is larger than 1 MiB");
  try {
    // The callback sees the nesting depth before a level is built, so hostile deeply nested
    // input is refused early instead of growing a deep tree.
    return json::parse(text, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
      return true;
    });
  } catch (const json::exception& e) {
    fail(std::string("not valid JSON: ") + e.what());
  }
}

void check_header(ObjectReader& r) {
  std::string format;
  int version = 0;
  r.string("format", format, true);
  if (format != kSettingsJsonFormat) fail("format is '" + format.substr(0, 80) + "', expected '" + kSettingsJsonFormat + "'");
  r.integer("version", version, true);
  if (version < 1) fail("version must be 1 or more, got " + std::to_string(version));
  if (version > kSettingsJsonVersion)
    fail("written by a newer DRiffusion Studio (settings version " + std::to_string(version) + "; this build reads up to " +
         std::to_string(kSettingsJsonVersion) + ")");
}

}  // namespace

RunRecord make_run_record(const GenerationResult& result, const std::string& app_version, double measured_speedup) {
  RunRecord r;
  r.settings = result.settings;
  r.model_name = result.model_name;
  r.model_hash = result.model_hash;
  r.image_width = result.image.width;
  r.image_height = result.image.height;
  r.stats = result.stats;
  r.measured_speedup = measured_speedup;
  r.app_version = app_version;
  return r;
}

std::string run_record_to_json(const RunRecord& rec) {
  json j{{"format", kSettingsJsonFormat}, {"version", kSettingsJsonVersion}, {"settings", settings_object(rec.settings)}};
  j["model"] = json{{"name", rec.model_name}, {"hash", rec.model_hash}};
  j["image"] = json{{"width", rec.image_width}, {"height", rec.image_height}};
  j["stats"] = stats_object(rec.stats);
  if (rec.measured_speedup > 0 && std::isfinite(rec.measured_speedup)) j["measured_speedup"] = rec.measured_speedup;
  j["app"] = rec.app_version;
  return dump(j);
}

RunRecord run_record_from_json(const std::string& text) {
  const json j = parse_limited(text);
  ObjectReader r(j, "record");
  check_header(r);
  RunRecord rec;
  rec.settings = read_settings(*r.object("settings", true));
  if (const json* m = r.object("model")) {
    ObjectReader mr(*m, "model");
    mr.string("name", rec.model_name);
    mr.string("hash", rec.model_hash);
    mr.finish();
  }
  if (const json* im = r.object("image")) {
    ObjectReader ir(*im, "image");
    ir.integer("width", rec.image_width);
    ir.integer("height", rec.image_height);
    ir.finish();
    if (rec.image_width < 0 || rec.image_height < 0 || rec.image_width > 65536 || rec.image_height > 65536)
      fail("image size is out of range");
  }
  if (const json* st = r.object("stats")) rec.stats = read_stats(*st);
  r.number("measured_speedup", rec.measured_speedup);
  r.string("app", rec.app_version);
  r.finish();
  return rec;
}

std::string settings_to_json(const GenerationSettings& settings) {
  return dump(json{{"format", kSettingsJsonFormat}, {"version", kSettingsJsonVersion}, {"settings", settings_object(settings)}});
}

GenerationSettings settings_from_json(const std::string& text) { return run_record_from_json(text).settings; }

}  // namespace drf
