// driffusion bench: latency and speedup of sequential sampling and DRiffusion configurations
// on the same inputs, in one process (issue "Multi-device DRiffusion engine").
//
// Each configuration runs `warmup` untimed generations (CUDA-graph capture, cuDNN algorithm
// choice), one untimed run for memory, and then `repeats` timed ones; medians are reported. "loop" is the denoising loop
// (RunStats::sampling_ms, ended by a device sync); "e2e" adds text encoding and VAE decoding.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "core/sampling/sampler_registry.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_settings.h"
#include "app/cli/commands.h"
#include "core/engine/engine.h"
#include "core/sampling/draft_plan.h"
#include "core/util/errors.h"

namespace drf::cli {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Measured {
  double loop_ms = 0, e2e_ms = 0;
  int latencies = 0;
  int states_per_call = 0;  // the draft memory budget's limit; 0 = none
  std::vector<double> peak_mb;
};

// One line per run on stderr, so a long CPU bench shows it is alive (stdout keeps the table or
// the JSON).
void progress(const std::string& config, const char* phase, int i, int n) {
  std::fprintf(stderr, "bench: %s: %s %d/%d\n", config.c_str(), phase, i, n);
  std::fflush(stderr);
}

std::string bench_config_name(const GenerationSettings& s) {
  std::string devices = s.devices.empty() ? "cpu" : std::to_string(s.devices.size()) + " GPU";
  return devices + " " + mode_name(s.mode) + (s.mode == Mode::Sequential ? "" : " w" + std::to_string(s.width));
}

Measured measure(Engine& engine, const GenerationSettings& s, int warmup, int repeats, bool show_progress) {
  const std::string config = bench_config_name(s);
  engine.release_captured_graphs();  // graphs of earlier configurations do not count here
  for (int i = 0; i < warmup; ++i) {
    if (show_progress) progress(config, "warm-up", i + 1, warmup);
    engine.generate(s, nullptr);
  }
  Measured m;
  // Memory from an untimed run that starts with nothing cached but weights and this
  // configuration's graphs: otherwise the allocator's cache of earlier runs (the VAE decode's
  // buffers, say) would count as this configuration's peak.
  engine.release_cached_memory();
  if (show_progress) progress(config, "memory run", 1, 1);
  m.peak_mb = engine.generate(s, nullptr).stats.sampling_peak_mb;
  std::vector<double> loop, e2e;
  for (int i = 0; i < repeats; ++i) {
    if (show_progress) progress(config, "timed run", i + 1, repeats);
    auto r = engine.generate(s, nullptr);
    loop.push_back(r.stats.sampling_ms);
    e2e.push_back(r.stats.total_ms);
    m.latencies = r.stats.serial_latencies;
    m.states_per_call = r.stats.max_states_per_call;
  }
  m.loop_ms = median(loop);
  m.e2e_ms = median(e2e);
  return m;
}

// Parameter bytes resident on the primary device (every component) and on the others (the
// denoiser replica only), from the model's per-component parameter counts.
std::pair<double, double> resident_mb(const ModelSummary& m, int bytes_per_param) {
  double all = 0, unet = 0;
  for (const auto& [name, count] : m.parameter_counts) {
    all += static_cast<double>(count);
    if (name.find("unet") != std::string::npos || name.find("denoiser") != std::string::npos) unet += count;
  }
  return {all * bytes_per_param / 1048576.0, unet * bytes_per_param / 1048576.0};
}

}  // namespace

int run_bench(int argc, char** argv) {
  ArgParser args("bench",
                 "Measures the sequential sampler and each DRiffusion configuration on the same prompt and seed:\n"
                 "median latency per image (denoising loop and end to end), serial network latencies, measured and\n"
                 "theoretical speedup, efficiency, per-step latency and peak memory per device.");
  args.option("model", "M", "model source", "random:sd15")
      .option("size", "WxH", "image size (default: the model's native size)")
      .option("steps", "N", "sampling steps", "50")
      .option("cfg", "G", "guidance scale", "7.5")
      .option("sampler", "NAME", sampler_names(), "ddim")
      .option("schedule", "NAME", schedule_names(), "default")
      .option("modes", "LIST", "modes to run", "sequential,conservative,aggressive")
      .option("devices", "LIST", "device counts to sweep; 0 = CPU (GPUs 0..g-1 are used); default 1, or 0 on a "
                                 "machine without GPUs")
      .option("widths", "LIST", "DRiffusion widths", "1,2,3,4")
      .option("repeats", "R", "timed runs per configuration", "5")
      .option("warmup", "W", "untimed runs per configuration", "1")
      .option("dtype", "T", "fp16, bf16 or fp32 (default fp16 on GPU)")
      .option("draft-memory", "MB", "draft memory budget per device, 0 = no limit", "256")
      .option("warmup-steps", "N", "DRiffusion warm-up steps, or auto (the solver's default)", "auto")
      .option("prompt", "P", "prompt", "a photograph of an astronaut riding a horse")
      .option("seed", "S", "seed", "42")
      .option("out", "FILE", "also write the JSON result to FILE")
      .flag("json", "print the JSON result instead of a table")
      .flag("quiet", "no progress lines on stderr");
  if (!args.parse(argc, argv, 2)) return kOk;

  GenerationSettings base;
  base.model = args.get("model");
  base.steps = args.get_int("steps");
  base.guidance = args.get_double("cfg");
  base.sampler = parse_sampler(args.get("sampler"));
  base.schedule = parse_schedule(args.get("schedule"));
  base.prompt = args.get("prompt");
  base.seed = args.get_u64("seed");
  base.dtype = args.get("dtype");
  base.draft_memory_mb = args.get_int("draft-memory");
  base.warmup_steps = parse_warmup_steps(args.get("warmup-steps"));
  if (args.has("size")) {
    const std::string size = args.get("size");
    const auto x = size.find('x');
    try {
      if (x == std::string::npos) throw std::invalid_argument(size);
      base.image_width = std::stoi(size.substr(0, x));
      base.image_height = std::stoi(size.substr(x + 1));
    } catch (const std::exception&) {
      throw UsageError("bench: --size needs WxH, got '" + size + "'");
    }
  }
  const int repeats = args.get_int("repeats"), warmup = args.get_int("warmup");
  if (repeats < 1 || warmup < 0) throw UsageError("bench: --repeats must be >= 1 and --warmup >= 0");
  std::vector<Mode> modes;
  for (const auto& m : args.get_list("modes")) modes.push_back(parse_mode(m));
  const auto widths = args.get_int_list("widths");
  int gpus = 0;
  for (const auto& d : Engine::devices()) gpus += d.index >= 0 ? 1 : 0;
  const auto device_counts = args.has("devices") ? args.get_int_list("devices") : std::vector<int>{gpus > 0 ? 1 : 0};
  for (int g : device_counts) {
    if (g < 0) throw UsageError("bench: --devices takes device counts of 0 (the CPU) or more");
    if (g > gpus)
      throw UsageError("bench: --devices " + std::to_string(g) + " asks for " + std::to_string(g) + " GPU" +
                       (g == 1 ? "" : "s") + ", this machine has " + std::to_string(gpus) +
                       (gpus == 0 ? ": use --devices 0 (the CPU)" : ""));
  }
  const bool show_progress = !args.get_flag("quiet");

  Engine engine;
  nlohmann::json out;
  out["command"] = "bench";
  out["ok"] = true;
  out["model"] = base.model;
  out["steps"] = base.steps;
  out["cfg"] = base.guidance;
  out["sampler"] = sampler_name(base.sampler);
  out["schedule"] = schedule_info(base.schedule).name;
  out["repeats"] = repeats;
  out["draft_memory_mb"] = base.draft_memory_mb;
  out["version"] = version_line();
  for (const auto& d : Engine::devices()) out["machine"].push_back(d.name);

  // Speedups are against the ordinary sampler on ONE device (GPU 0, or the CPU for count 0),
  // whatever the device count of the configuration: that is what a user would otherwise run.
  std::map<bool, Measured> sequential;  // key: on the CPU
  bool header = !args.get_flag("json");
  for (int g : device_counts) {
    GenerationSettings s = base;
    if (g > 0) s.devices = {0};
    s.mode = Mode::Sequential;
    s.width = 1;
    const bool first_baseline = !sequential.count(g == 0);
    if (first_baseline) sequential[g == 0] = measure(engine, s, warmup, repeats, show_progress);
    const Measured& seq = sequential[g == 0];
    for (int i = 1; i < g; ++i) s.devices.push_back(i);
    const ModelSummary summary = engine.describe_model(base.model);
    const int bytes = (s.devices.empty() || base.dtype == "fp32") ? 4 : 2;
    const auto [primary_mb, replica_mb] = resident_mb(summary, bytes);
    out["resolution"] = std::to_string(summary.native_width) + "x" + std::to_string(summary.native_height);
    auto row = [&](int devices, Mode mode, int width, const Measured& m) {
      const DraftPlan plan = plan_draft_refine(base.steps, width, mode, effective_warmup(base));
      const double speedup = seq.loop_ms / m.loop_ms;
      nlohmann::json r = {{"devices", devices},
                          {"mode", mode_name(mode)},
                          {"width", mode == Mode::Sequential ? 1 : width},
                          {"warmup_steps", plan.warmup},
                          {"loop_ms", m.loop_ms},
                          {"e2e_ms", m.e2e_ms},
                          {"per_latency_ms", m.loop_ms / m.latencies},
                          {"serial_latencies", m.latencies},
                          {"planned_latencies", plan.serial_latencies()},
                          {"speedup", speedup},
                          {"theoretical_speedup", plan.theoretical_speedup()},
                          {"efficiency", speedup / plan.theoretical_speedup()},
                          {"max_drafts_per_call", m.states_per_call}};
      // working = peak held by the allocator - the weights resident on that device;
      // extra = working - the sequential sampler's working memory on one device (what
      // DRiffusion costs beyond running the model normally; the paper reports +186..226 MB).
      const double sequential_working = seq.peak_mb.empty() ? 0 : seq.peak_mb[0] - primary_mb;
      double most_extra = 0;
      for (std::size_t d = 0; d < m.peak_mb.size(); ++d) {
        const double working = m.peak_mb[d] - (d == 0 ? primary_mb : replica_mb);
        r["peak_mb"].push_back(m.peak_mb[d]);
        r["working_mb"].push_back(working);
        r["extra_mb"].push_back(working - sequential_working);
        most_extra = std::max(most_extra, working - sequential_working);
      }
      out["results"].push_back(r);
      if (args.get_flag("json")) return;
      if (header)
        std::printf("%4s %-13s %5s %9s %9s %9s %5s %8s %8s %7s %8s %6s\n", "devs", "mode", "width", "loop ms", "e2e ms",
                    "ms/lat", "lats", "speedup", "theory", "effic.", "extra MB", "/call");
      header = false;
      std::printf("%4s %-13s %5d %9.1f %9.1f %9.2f %5d %7.2fx %7.2fx %6.1f%% %8.0f %6s\n",
                  devices == 0 ? "cpu" : std::to_string(devices).c_str(), mode_name(mode),
                  mode == Mode::Sequential ? 1 : width, m.loop_ms, m.e2e_ms, m.loop_ms / m.latencies, m.latencies,
                  speedup, plan.theoretical_speedup(), 100 * speedup / plan.theoretical_speedup(), most_extra,
                  m.states_per_call > 0 ? std::to_string(m.states_per_call).c_str() : "all");
      std::fflush(stdout);
    };
    const bool wants_sequential = std::find(modes.begin(), modes.end(), Mode::Sequential) != modes.end();
    if (wants_sequential && first_baseline) row(g == 0 ? 0 : 1, Mode::Sequential, 1, seq);
    for (Mode mode : modes) {
      if (mode == Mode::Sequential) continue;
      for (int w : widths) {
        if (w < 1 || w > base.steps) continue;
        s.mode = mode;
        s.width = w;
        row(g, mode, w, measure(engine, s, warmup, repeats, show_progress));
      }
    }
  }
  if (args.get_flag("json")) std::printf("%s\n", out.dump(2).c_str());
  if (args.has("out")) {
    std::ofstream f(args.get("out"));
    f << out.dump(2) << "\n";
    if (!f) throw IoError("bench: cannot write " + args.get("out"));
  }
  return kOk;
}

}  // namespace drf::cli
