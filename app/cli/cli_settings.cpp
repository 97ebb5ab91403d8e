#include "app/cli/cli_settings.h"

#include "core/sampling/fidelity_table.h"
#include "core/engine/consistency_defaults.h"
#include "core/sampling/sampler_registry.h"

#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdio>
#include <random>

#include "core/util/build_info.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf::cli {
namespace {

namespace fs = std::filesystem;

int whole_number(const std::string& text, const std::string& what) {
  try {
    std::size_t pos = 0;
    const long long v = std::stoll(text, &pos);
    if (pos != text.size() || v < 0 || v > 1000000) throw std::invalid_argument(text);
    return static_cast<int>(v);
  } catch (const std::exception&) {
    throw UsageError(what + ": '" + text + "' is not a whole number");
  }
}

// Extensions of image formats this program never writes. A name ending in one of them is a
// mistake, not a folder to create (--out x.jpg made a folder named x.jpg).
bool unwritable_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* e : {".jpg", ".jpeg", ".jpe", ".webp", ".gif", ".bmp", ".avif", ".heic", ".heif", ".jxl", ".jp2",
                        ".tga", ".ico", ".svg", ".psd", ".dds", ".hdr", ".pgm", ".pbm", ".pnm"})
    if (ext == e) return true;
  return false;
}

// Longest file name the folder's file system takes (255 on Linux file systems).
std::size_t max_name_bytes(const fs::path& folder) {
  const long n = ::pathconf(folder.empty() ? "." : folder.c_str(), _PC_NAME_MAX);
  return n > 0 ? static_cast<std::size_t>(n) : 255;
}

}  // namespace

void add_generation_options(ArgParser& a) {
  a.option("model", "M", "builtin, analytic, random:NAME (driffusion models lists them: sd15, sd21, sdxl, ...), a diffusers folder or a .safetensors file (default builtin)")
      .option("prompt", "TEXT", "the prompt (may be empty: unconditional)")
      .option("negative", "TEXT", "negative prompt")
      .option("seed", "S", "seed (default: random, printed and stored in the file)")
      .option("steps", "K", "sampling steps, 1-1000 (default 25)")
      .option("cfg", "G", "classifier-free guidance scale, 0-50 (default 5)")
      .option("sampler", "NAME", "solver: " + sampler_names() + " (default ddim; docs/samplers.md)")
      .option("schedule", "NAME", "noise levels: " + schedule_names() + " (default: the model's own)")
      .option("eta", "E", "DDIM eta, 0-1 (default 0)")
      .option("s-noise", "S", "noise scale of euler_a and dpmpp_2m_sde, 0-2 (default 1)")
      .flag("karras", "same as --schedule karras")
      .option("mode", "MODE", "sequential, conservative or aggressive (default sequential)")
      .option("width", "N", "DRiffusion width: drafts per round (default 4 in a DRiffusion mode, at most --steps)")
      .option("warmup-steps", "N", "DRiffusion: the first N steps run one per latency before drafting, or auto "
                                   "(default auto: 4 for solvers that add noise, LCM 0, else 0; docs/fidelity.md)")
      .option("devices", "LIST", "cpu (or 0), a GPU count (2 = GPUs 0 and 1) or GPU ids (0,2 or cuda:1); default cpu")
      .option("size", "WxH", "image size, multiples of 8 (default: the model's native size)")
      .option("dtype", "T", "fp32, fp16 or bf16 (default fp16 on GPU, fp32 on CPU)")
      .option("tokenizer", "DIR", "tokenizer folder for single-file checkpoints (SD3: an SD3 diffusers folder, whose "
                                  "text encoders and VAE also stand in for those the file lacks)")
      .option("clip-skip", "N", "text encoder layers to skip, 0 = model default")
      .option("draft-memory", "MB", "memory per device for a round's drafts beyond one draft's; more drafts run in "
                                    "further calls; 0 = no limit (default 256)")
      .option("vae", "PATH", "decode with this VAE instead of the model's (.safetensors or a folder with config.json; "
                                 "e.g. the fp16-fixed SDXL VAE)")
      .option("lora", "PATH[:S]", "merge this LoRA (.safetensors: kohya, diffusers/PEFT or LCM-LoRA) into the model "
                                  "with strength S (default 1, -10..10); repeat it, or separate several with ';'")
      .option("original-size", "WxH", "SDXL size conditioning: the original image size (default: the image size)")
      .option("crop", "LEFTxTOP", "SDXL crop conditioning: top-left corner of the crop (default 0x0)")
      .option("target-size", "WxH", "SDXL size conditioning: the target size (default: the image size)")
      .option("aesthetic-score", "A", "SDXL refiner: aesthetic score of the prompt, 0-10 (default 6; negative 2.5)")
      .option("refiner", "MODEL", "an SDXL refiner that denoises the last steps (random:sdxl-refiner, a folder or a file)")
      .option("refiner-switch", "F", "fraction of the steps after which the refiner takes over, 0-1 (default 0.8)")
      .option("t5", "on|off", "SD3: encode the prompt with T5-XXL (default on when the model has it; off = zeros, "
                              "as diffusers without text_encoder_3)")
      .option("shift", "S", "flow-matching sigma shift, 0-100 (default 0 = the model's scheduler config, 3.0 for SD3)")
      .option("t5-device", "DEV", "SD3: where T5-XXL runs: cpu or cuda:N (default: with the model)");
}

namespace {
// "AxB" with whole numbers >= 0 (--original-size, --crop, --target-size).
void parse_pair(const std::string& text, const char* flag, int& a, int& b) {
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos) throw UsageError(std::string(flag) + " '" + text + "': expected AxB, e.g. 1024x1024");
  a = whole_number(text.substr(0, x), flag);
  b = whole_number(text.substr(x + 1), flag);
}
}  // namespace

int parse_warmup_steps(const std::string& text) {
  if (text == "auto") return GenerationSettings::kAutoWarmup;
  return whole_number(text, "--warmup-steps (a number of steps or auto)");
}

namespace {

// For an LCM-distilled model, which draws in 4 LCM steps at CFG 1 (the usual 25 DDIM steps at
// CFG 5 spoil it, and CFG on top of its distilled guidance over-saturates): each of --sampler,
// --steps and --cfg that is neither typed nor changed from the defaults takes the model's value;
// steps and CFG only while the sampler is LCM.
void apply_consistency_defaults(const ArgParser& a, GenerationSettings& s) {
  const GenerationSettings defaults;
  std::string chosen;
  if (!a.has("sampler") && s.sampler == defaults.sampler) {
    s.sampler = SamplerKind::LCM;
    chosen += " --sampler lcm";
  }
  if (s.sampler != SamplerKind::LCM) return;
  if (!a.has("steps") && s.steps == defaults.steps) {
    s.steps = kConsistencySteps;
    chosen += " --steps " + std::to_string(kConsistencySteps);
  }
  if (!a.has("cfg") && s.guidance == defaults.guidance) {
    s.guidance = kConsistencyGuidance;
    chosen += " --cfg 1";
  }
  if (!chosen.empty())
    std::fprintf(stderr, "note: %s is LCM-distilled:%s (type an option to choose otherwise)\n", s.model.c_str(),
                 chosen.c_str());
}

}  // namespace

GenerationSettings apply_generation_options(const ArgParser& a, GenerationSettings s, bool model_settings) {
  if (a.has("model")) s.model = a.get("model");
  if (a.has("prompt")) s.prompt = a.get("prompt");
  if (a.has("negative")) s.negative_prompt = a.get("negative");
  if (a.has("seed")) s.seed = a.get_u64("seed");
  if (a.has("steps")) s.steps = a.get_int("steps");
  if (a.has("cfg")) s.guidance = a.get_double("cfg");
  if (a.has("sampler")) s.sampler = parse_sampler(a.get("sampler"));
  if (a.has("eta")) s.eta = a.get_double("eta");
  if (a.has("schedule")) s.schedule = parse_schedule(a.get("schedule"));
  if (a.has("s-noise")) s.s_noise = a.get_double("s-noise");
  if (a.get_flag("karras")) s.karras_sigmas = true;
  if (a.has("mode")) {
    const Mode before = s.mode;
    s.mode = parse_mode(a.get("mode"));
    // Width 1 is the sequential sampler again; a DRiffusion mode without --width gets 4.
    if (before == Mode::Sequential && s.mode != Mode::Sequential && !a.has("width") && s.width <= 1)
      s.width = std::max(1, std::min(4, s.steps));
  }
  if (a.has("width")) s.width = a.get_int("width");
  if (a.has("warmup-steps")) s.warmup_steps = parse_warmup_steps(a.get("warmup-steps"));
  if (a.has("devices")) s.devices = parse_devices(a.get("devices"));
  if (a.has("size")) parse_size(a.get("size"), s.image_width, s.image_height);
  if (a.has("dtype")) s.dtype = a.get("dtype");
  if (a.has("tokenizer")) s.tokenizer_dir = a.get("tokenizer");
  if (a.has("clip-skip")) s.clip_skip = a.get_int("clip-skip");
  if (a.has("draft-memory")) s.draft_memory_mb = a.get_int("draft-memory");
  if (a.has("vae")) s.vae = a.get("vae");
  if (a.has("lora")) {
    s.loras.clear();  // typed LoRAs replace any the settings held; --lora "" removes them
    for (const auto& v : a.get_all("lora"))
      for (const auto& l : parse_lora_list(v)) s.loras.push_back(l);
  }
  if (a.has("original-size")) parse_pair(a.get("original-size"), "--original-size", s.original_width, s.original_height);
  if (a.has("crop")) parse_pair(a.get("crop"), "--crop", s.crop_left, s.crop_top);
  if (a.has("target-size")) parse_pair(a.get("target-size"), "--target-size", s.target_width, s.target_height);
  if (a.has("aesthetic-score")) s.aesthetic_score = a.get_double("aesthetic-score");
  if (a.has("refiner")) s.refiner = a.get("refiner");
  if (a.has("refiner-switch")) s.refiner_switch = a.get_double("refiner-switch");
  if (a.has("t5")) {
    const std::string v = a.get("t5");
    if (v == "on") s.use_t5 = true;
    else if (v == "off") s.use_t5 = false;
    else throw UsageError("--t5 '" + v + "': expected on or off");
  }
  if (a.has("shift")) s.flow_shift = a.get_double("shift");
  if (a.has("t5-device")) s.t5_device = a.get("t5-device");
  const bool consistency_model = source_is_consistency_distilled(s.model);  // reads its scheduler config
  if (model_settings && consistency_model) apply_consistency_defaults(a, s);
  // Before anything runs: a combination measured to degrade badly says so, with its number.
  const FidelityModel measured_on = consistency_model ? FidelityModel::LcmDistilled : FidelityModel::Builtin;
  if (auto w = fidelity_warning(s, measured_on)) std::fprintf(stderr, "warning: %s\n", w->c_str());
  return s;
}

std::vector<int> parse_devices(const std::string& text) {
  if (text == "cpu" || text == "CPU") return {};
  const bool list = text.find(',') != std::string::npos || text.rfind("cuda:", 0) == 0;
  if (!list) {
    const int count = whole_number(text, "--devices");
    if (count == 0) return {};  // no GPUs: the CPU, as in bench
    std::vector<int> ids;
    for (int i = 0; i < count; ++i) ids.push_back(i);
    return ids;
  }
  std::vector<int> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    if (item.rfind("cuda:", 0) == 0) item = item.substr(5);
    ids.push_back(whole_number(item, "--devices"));
  }
  if (ids.empty()) throw UsageError("--devices '" + text + "' lists no device");
  return ids;
}

void parse_size(const std::string& text, int& width, int& height) {
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos) {
    width = height = whole_number(text, "--size");
  } else {
    width = whole_number(text.substr(0, x), "--size");
    height = whole_number(text.substr(x + 1), "--size");
  }
  if (width < 8 || height < 8) throw UsageError("--size '" + text + "': width and height must be at least 8");
}

std::uint64_t random_seed() {
  std::random_device rd;
  return rd() & 0xFFFFFFFFull;
}

void add_output_options(ArgParser& a, const std::string& default_out) {
  a.option("out", "FILE|DIR", "output file, or folder for numbered files NNNNN-<seed>.png", default_out)
      .option("format", "F", std::string("png, png16, tiff, tiff16, exr or ppm (default ") +
                                 image_format_name(default_image_format()) + ", or from the --out file's extension)")
      .flag("json", "print one JSON object on stdout at the end (schema: docs/cli.md)")
      .flag("quiet", "no progress or summary, only errors")
      .flag("verbose", "debug logging");
}

OutputTarget resolve_output(const ArgParser& a) {
  OutputTarget t;
  const std::string out = a.get("out");
  if (out.empty()) throw UsageError("--out must not be empty");
  t.path = out;
  std::error_code ec;
  const auto by_name = image_format_for_path(t.path);
  t.is_folder = fs::is_directory(t.path, ec) || out.back() == '/' || !by_name;
  if (t.is_folder && out.back() != '/' && !fs::is_directory(t.path, ec) && unwritable_image_extension(t.path))
    throw UsageError("--out '" + out + "': " + t.path.extension().string() +
                     " is not a format this program writes (png, png16, tiff, tiff16, exr, ppm); give a file name "
                     "with one of their extensions or a folder");
  if (a.has("format")) {
    t.format = parse_image_format(a.get("format"));
    if (!t.is_folder && std::string(image_format_extension(*by_name)) != image_format_extension(t.format))
      throw UsageError("--out '" + out + "' does not have the extension of --format " + a.get("format") + " (" +
                       image_format_extension(t.format) + ")");
  } else {
    t.format = t.is_folder ? default_image_format() : *by_name;
  }
  if (!image_format_available(t.format)) throw UsageError(missing_image_format_message(t.format));
  if (!t.is_folder && fs::exists(fs::symlink_status(t.path, ec)))
    throw IoError("'" + out + "' already exists (files are never overwritten; give a folder for numbered files)");
  // Probe the folder now: a read-only or impossible folder fails before minutes of sampling.
  const fs::path folder = t.is_folder ? t.path : (t.path.parent_path().empty() ? fs::path(".") : t.path.parent_path());
  TempFile probe(folder, ".probe");
  return t;
}

void check_output_names(const OutputTarget& t, int count) {
  if (t.is_folder) return;  // numbered names "NNNNN-<seed>.ext" are short and found free when written
  const fs::path folder = t.path.parent_path();
  const std::size_t max_name = max_name_bytes(folder);
  std::error_code ec;
  for (int i = 0; i < count; ++i) {
    const fs::path p = file_for_image(t, i, count);
    if (p.filename().string().size() > max_name)
      throw UsageError("--out '" + t.path.string() + "': the file name " +
                       (count > 1 ? "'" + p.filename().string().substr(0, 40) + "...' " : std::string()) + "is " +
                       std::to_string(p.filename().string().size()) + " bytes, above this file system's limit of " +
                       std::to_string(max_name));
    if (p.string().size() >= PATH_MAX)
      throw UsageError("--out '" + t.path.string().substr(0, 80) + "...': the path is longer than " + std::to_string(PATH_MAX) + " bytes");
    if (fs::exists(fs::symlink_status(p, ec)))
      throw IoError("'" + p.string() + "' already exists (image " + std::to_string(i + 1) + " of " + std::to_string(count) +
                    "; files are never overwritten: give another name or a folder for numbered files)");
  }
}

fs::path file_for_image(const OutputTarget& t, int index, int count) {
  if (count <= 1) return t.path;
  fs::path p = t.path;
  return p.replace_filename(t.path.stem().string() + "-" + std::to_string(index + 1) + t.path.extension().string());
}

ConsoleOptions console_options(const ArgParser& a) {
  ConsoleOptions c;
  c.json = a.get_flag("json");
  c.quiet = a.get_flag("quiet");
  c.verbose = a.get_flag("verbose");
  if (c.quiet && c.verbose) throw UsageError("--quiet and --verbose contradict each other");
  set_log_level(c.verbose ? spdlog::level::debug : c.quiet ? spdlog::level::err : spdlog::level::warn);
  return c;
}

std::string app_version() { return std::string("DRiffusion Studio ") + build::kVersion; }

}  // namespace drf::cli
