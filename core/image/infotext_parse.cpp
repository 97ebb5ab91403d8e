// Reading A1111 infotext, ours or another tool's. The parameters line is split exactly as
// A1111's regex  \s*([\w ]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)  splits it under Python's
// re.findall, but by a hand-written linear scan: a backtracking regex on hostile metadata can
// take quadratic time or overflow the stack (std::regex recurses per character).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

#include "core/image/infotext.h"
#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"

namespace drf {
namespace {

constexpr std::size_t kMaxInfotextBytes = 1 << 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' '; }

std::string strip(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Param {
  std::string key, value;
};

// re.findall over one line, in linear time: after a failed attempt whose key run ends at
// position e, every start before e fails the same way, so the scan resumes at e.
std::vector<Param> find_params(const std::string& line) {
  std::vector<Param> out;
  const std::size_t n = line.size();
  std::size_t p = 0;
  while (p < n) {
    std::size_t ws_end = p;
    while (ws_end < n && is_space(line[ws_end])) ++ws_end;
    std::size_t key_end = ws_end;
    while (key_end < n && is_key_char(line[key_end])) ++key_end;
    std::string key;
    if (key_end > ws_end && key_end < n && line[key_end] == ':') {
      key = line.substr(ws_end, key_end - ws_end);
    } else if (key_end == ws_end && ws_end > p && line[ws_end - 1] == ' ' && ws_end < n && line[ws_end] == ':') {
      key = " ";  // \s* gives its last space back to [\w ]+
    } else {
      p = std::max(p + 1, key_end);
      continue;
    }
    std::size_t v = key_end + 1;
    while (v < n && is_space(line[v])) ++v;
    bool quoted = false;
    std::size_t end = n;
    if (v < n && line[v] == '"') {  // "(?:\\.|[^\\"])+" followed by ',' or the end
      std::size_t i = v + 1, items = 0;
      while (i < n) {
        if (line[i] == '\\') {
          if (i + 1 < n && line[i + 1] != '\n') i += 2, ++items;
          else break;
        } else if (line[i] == '"') {
          break;
        } else {
          ++i, ++items;
        }
      }
      if (items > 0 && i < n && line[i] == '"' && (i + 1 == n || line[i + 1] == ',')) {
        out.push_back({key, line.substr(v, i + 1 - v)});
        end = i + 1 < n ? i + 2 : n;
        quoted = true;
      }
    }
    if (!quoted) {  // [^,]*
      std::size_t i = v;
      while (i < n && line[i] != ',') ++i;
      out.push_back({key, line.substr(v, i - v)});
      end = i < n ? i + 1 : n;
    }
    p = end;
  }
  return out;
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
  const std::string t = strip(text);
  if (t.empty()) return false;
  const char* first = t.data();
  if (*first == '+') ++first;
  auto r = std::from_chars(first, t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

class Interpreter {
 public:
  explicit Interpreter(InfotextParams& p) : p_(p) {}

  void apply(const std::string& key, const std::string& value) {
    namespace k = infotext_key;
    GenerationSettings& s = p_.settings;
    if (key == k::kSteps) number(key, value, s.steps);
    else if (key == k::kSampler) sampler(value);
    else if (key == k::kScheduleType) schedule_type(value);
    else if (key == k::kEtaDdim || key == "Eta") number(key, value, s.eta);
    else if (key == k::kSigmaNoise) number(key, value, s.s_noise);
    else if (key == k::kCfgScale) number(key, value, s.guidance);
    else if (key == k::kSeed) number(key, value, s.seed);
    else if (key == k::kSize) size(value);
    else if (key == k::kModelHash) p_.model_hash = value;
    else if (key == k::kModel) p_.model_name = value;
    else if (key == k::kClipSkip) number(key, value, s.clip_skip);
    else if (key == k::kVersion) p_.version = value;
    else if (key == k::kMode) mode(value);
    else if (key == k::kWidth) number(key, value, s.width);
    else if (key == k::kWarmupSteps) number(key, value, s.warmup_steps);
    else if (key == k::kDevices) devices(value);
    else if (key == k::kSerialLatencies) number(key, value, p_.serial_latencies);
    else if (key == k::kLatencySpeedup) number(key, value, p_.latency_speedup);
    else if (key == k::kMeasuredSpeedup) number(key, value, p_.measured_speedup);
    else if (key == k::kDtype) s.dtype = value;
    else if (key == k::kOriginalSize) pair(key, value, s.original_width, s.original_height);
    else if (key == k::kCropCoords) pair(key, value, s.crop_left, s.crop_top);
    else if (key == k::kTargetSize) pair(key, value, s.target_width, s.target_height);
    else if (key == k::kAestheticScore) number(key, value, s.aesthetic_score);
    else if (key == k::kNegativeAestheticScore) number(key, value, s.negative_aesthetic_score);
    else if (key == k::kVae) s.vae = strip(value);
    else if (key == k::kLora) loras(key, value);
    else if (key == k::kRefiner) s.refiner = strip(value);
    else if (key == k::kRefinerSwitch) number(key, value, s.refiner_switch);
    else if (key == k::kShift) number(key, value, s.flow_shift);
    else if (key == k::kT5) t5_switch(key, value);
    else if (key == k::kT5Device) s.t5_device = strip(value);
    else p_.unknown[key] = value;
  }

 private:
  template <typename T>
  void number(const std::string& key, const std::string& value, T& out) {
    T v{};
    if (parse_number(value, v)) {
      out = v;
    } else {
      p_.warnings.push_back("'" + key + "' is not a valid number: '" + value + "'");
      p_.invalid_numbers.push_back(key);
    }
  }

  void sampler(const std::string& value) {
    p_.sampler_text = value;
    bool karras = false;
    p_.sampler_supported = map_sampler_name(value, p_.settings.sampler, karras);
    if (karras) set_schedule(ScheduleKind::Karras);
    if (!p_.sampler_supported) {
      std::string ours;
      for (const SamplerInfo& i : sampler_registry()) ours += (ours.empty() ? "" : ", ") + std::string(i.display_name);
      p_.warnings.push_back("sampler '" + value + "' is not available (DRiffusion Studio has " + ours + "); " +
                            sampler_name(p_.settings.sampler) + " is used instead");
    }
  }

  void set_schedule(ScheduleKind kind) {
    p_.settings.schedule = kind;
    p_.settings.karras_sigmas = kind == ScheduleKind::Karras;
  }

  void schedule_type(const std::string& value) {
    if (auto kind = find_schedule(strip(value))) set_schedule(*kind);
    else if (!strip(value).empty())
      p_.warnings.push_back("schedule type '" + value + "' is not available (we have " + schedule_names() +
                            "); the model's default schedule is used");
  }

  void size(const std::string& value) {
    const std::string t = strip(value);
    const auto x = t.find('x');
    int w = 0, h = 0;
    if (x == std::string::npos || !parse_number(t.substr(0, x), w) || !parse_number(t.substr(x + 1), h) || w <= 0 ||
        h <= 0) {
      p_.warnings.push_back("'Size' is not WIDTHxHEIGHT: '" + value + "'");
      p_.invalid_numbers.push_back("Size");
      return;
    }
    p_.settings.image_width = w;
    p_.settings.image_height = h;
  }

  // "AxB" with A, B >= 0 (original / target size, crop corner).
  void pair(const std::string& key, const std::string& value, int& a, int& b) {
    const std::string t = strip(value);
    const auto x = t.find('x');
    int va = 0, vb = 0;
    if (x == std::string::npos || !parse_number(t.substr(0, x), va) || !parse_number(t.substr(x + 1), vb) || va < 0 ||
        vb < 0) {
      p_.warnings.push_back("'" + key + "' is not AxB: '" + value + "'");
      p_.invalid_numbers.push_back(key);
      return;
    }
    a = va;
    b = vb;
  }

  void mode(const std::string& value) {
    const std::string l = lower(strip(value));
    if (l == "sequential") p_.settings.mode = Mode::Sequential;
    else if (l == "conservative") p_.settings.mode = Mode::Conservative;
    else if (l == "aggressive") p_.settings.mode = Mode::Aggressive;
    else p_.warnings.push_back("unknown DRiffusion mode '" + value + "'");
  }

  void loras(const std::string& key, const std::string& value) {
    try {
      p_.settings.loras = parse_lora_list(value);
    } catch (const UsageError& e) {
      p_.warnings.push_back("'" + key + "': " + e.what());
    }
  }

  // "T5: off" (the writer's form) or "on"; anything else is kept as a warning.
  void t5_switch(const std::string& key, const std::string& value) {
    const std::string l = lower(strip(value));
    if (l == "off" || l == "false") p_.settings.use_t5 = false;
    else if (l == "on" || l == "true") p_.settings.use_t5 = true;
    else p_.warnings.push_back("'" + key + "' is neither on nor off: '" + value + "'");
  }

  void devices(const std::string& value) {
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      const std::string item = strip(value.substr(start, comma - start));
      start = comma + 1;
      if (item.empty()) continue;
      p_.devices.push_back(item);
      int index = 0;
      if (item.rfind("cuda:", 0) == 0 && parse_number(item.substr(5), index) && index >= 0)
        p_.settings.devices.push_back(index);
      else if (item != "cpu")
        p_.warnings.push_back("unknown device '" + item + "' in '" + std::string(infotext_key::kDevices) + "'");
    }
  }

  InfotextParams& p_;
};

}  // namespace

bool map_sampler_name(const std::string& name, SamplerKind& kind, bool& karras) {
  std::string l = lower(strip(name));
  karras = false;
  for (const char* suffix : {" karras", "_karras"}) {  // A1111 before 1.9: "DPM++ 2M Karras"
    const std::string sfx = suffix;
    if (l.size() > sfx.size() && l.compare(l.size() - sfx.size(), sfx.size(), sfx) == 0) {
      l.resize(l.size() - sfx.size());
      karras = true;
    }
  }
  if (l.rfind("k_", 0) == 0) l = l.substr(2);  // InvokeAI's old names: k_euler
  const auto found = find_sampler(l);
  if (!found) return karras = false;
  kind = *found;
  return true;
}

InfotextParams parse_infotext(const std::string& text) {
  InfotextParams p;
  p.settings.model.clear();
  if (text.size() > kMaxInfotextBytes) {
    p.warnings.push_back("infotext is longer than 1 MiB: not parsed");
    return p;
  }
  std::vector<std::string> lines;
  const std::string body = strip(text);
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = body.find('\n', start);
    lines.push_back(body.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string last = lines.back();
  lines.pop_back();
  std::vector<Param> params = find_params(last);
  if (params.size() < 3) {  // A1111's rule: fewer than 3 keys means the last line is prompt text
    lines.push_back(last);
    params.clear();
  }
  p.has_parameters_line = !params.empty();

  bool in_negative = false;
  for (std::string line : lines) {
    line = strip(line);
    if (line.rfind("Negative prompt:", 0) == 0) {
      in_negative = true;
      line = strip(line.substr(16));
    }
    std::string& target = in_negative ? p.settings.negative_prompt : p.settings.prompt;
    target += (target.empty() ? "" : "\n") + line;
  }

  Interpreter interpreter(p);
  for (const auto& param : params) {
    std::string value = param.value;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = unquote_infotext_value(value);
    p.fields.emplace_back(param.key, value);
    interpreter.apply(param.key, value);
  }
  const bool has_warmup = std::any_of(p.fields.begin(), p.fields.end(),
                                      [](const auto& f) { return f.first == infotext_key::kWarmupSteps; });
  if (p.settings.mode != Mode::Sequential && !has_warmup) p.settings.warmup_steps = 0;  // written only when not 0
  return p;
}

}  // namespace drf
