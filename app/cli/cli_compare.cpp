// driffusion compare: DRiffusion against the exact sequential sampler, same seeds: both images,
// the difference map, measured speedup, PSNR and SSIM, and a summary over the seeds.
#include <cmath>
#include <cstdio>

#include "app/cli/cancel_signal.h"
#include "app/cli/cli_compare_batch.h"
#include "app/cli/cli_results.h"
#include "app/cli/cli_settings.h"
#include "app/cli/commands.h"
#include "app/cli/progress_reporter.h"
#include "core/engine/comparison.h"

namespace drf::cli {
namespace {

// "--seeds 1,5,9" lists seeds; "--seeds 4" means 4 seeds from --seed (or a random one) up.
std::vector<std::uint64_t> seeds_from(const ArgParser& args) {
  const std::uint64_t first = args.has("seed") ? args.get_u64("seed") : random_seed();
  if (!args.has("seeds")) return {first};
  const std::string text = args.get("seeds");
  std::vector<std::uint64_t> seeds;
  if (text.find(',') == std::string::npos) {
    const int n = args.get_int("seeds");
    if (n < 1 || n > 10000) throw UsageError("compare: --seeds N must be between 1 and 10000");
    for (int i = 0; i < n; ++i) seeds.push_back(first + static_cast<std::uint64_t>(i));
    return seeds;
  }
  if (args.has("seed")) throw UsageError("compare: --seed and a --seeds list exclude each other");
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 20)
      throw UsageError("compare: --seeds needs comma-separated seeds, got '" + item + "'");
    try {
      seeds.push_back(std::stoull(item));
    } catch (const std::exception&) {
      throw UsageError("compare: seed '" + item + "' does not fit 64 bits");
    }
  }
  if (seeds.empty()) throw UsageError("compare: --seeds lists no seed");
  return seeds;
}

std::string config_name(const GenerationSettings& s) {
  return std::string(mode_name(s.mode)) + "-w" + std::to_string(s.width);
}

class CompareCommand {
 public:
  explicit CompareCommand(const ArgParser& args) : args_(args), console_(console_options(args)) {}

  int run() {
    try {
      return run_unguarded();
    } catch (const Error& e) {
      if (console_.json) {
        nlohmann::json j = error_json("compare", e);
        j["runs"] = runs_;
        print_json(j);
      }
      throw;
    }
  }

 private:
  int run_unguarded() {
    if (args_.has("prompts")) {
      if (args_.has("prompt")) throw UsageError("compare: --prompt and --prompts exclude each other");
      return run_compare_batch(args_, seeds_from(args_));
    }
    if (args_.has("modes") || args_.has("widths") || args_.has("references"))
      throw UsageError("compare: --modes, --widths and --references belong to the batch mode (--prompts FILE)");
    if (!args_.has("prompt")) throw UsageError("compare: give --prompt TEXT (may be empty) or --prompts FILE");
    GenerationSettings base;
    base.mode = Mode::Aggressive;
    if (!args_.has("width")) base.width = std::min(4, args_.has("steps") ? std::max(1, args_.get_int("steps")) : base.steps);
    ComparisonRequest request;
    request.settings = apply_generation_options(args_, base);
    request.seeds = seeds_from(args_);
    request.warmup = !args_.get_flag("no-warmup");
    if (args_.has("full-scale")) request.heatmap_full_scale = args_.get_double("full-scale");
    validate_settings(request.settings);
    const OutputTarget target = resolve_output(args_);
    if (!target.is_folder) throw UsageError("compare: --out must be a folder (it holds three images per seed)");
    const std::atomic<bool>* cancel = install_cancel_signal();

    ProgressReporter progress(ProgressReporter::style_for(console_.quiet));
    const std::string parallel_name = config_name(request.settings);
    auto observer = [&](const ComparisonProgress& p, const JobEvent& e) {
      if (e.kind == JobEventKind::Started) {
        const std::string which = p.phase == ComparisonPhase::Warmup     ? "warm-up"
                                  : p.phase == ComparisonPhase::Sequential ? "sequential"
                                                                           : parallel_name;
        progress.begin("seed " + std::to_string(p.seed) + " (" + std::to_string(p.seed_index + 1) + "/" +
                       std::to_string(p.seed_count) + ") " + which);
      }
      progress.on_event(e);
    };
    auto on_seed = [&](const SeedComparison& c) {
      if (cancel->load()) throw Cancelled();
      save(c, target, parallel_name);
    };
    Engine engine;
    const ComparisonReport report = compare_with_sequential(engine, request, observer, cancel, on_seed);
    print_summary(report.summary, request);
    return kOk;
  }

  void save(const SeedComparison& c, const OutputTarget& target, const std::string& parallel_name) {
    const std::string seed = std::to_string(c.seed);
    const NumberedImage seq = write_image_numbered(target.path, seed + "-sequential",
                                                   ImageData{c.sequential.image, c.sequential.image_float},
                                                   target.format, metadata_for(c.sequential));
    const auto par_path = target.path / numbered_file_name(seq.number, seed + "-" + parallel_name, target.format);
    write_image_file(par_path, ImageData{c.parallel.image, c.parallel.image_float}, target.format,
                     metadata_for(c.parallel, c.sampling_speedup));
    char comment[256];
    std::snprintf(comment, sizeof comment,
                  "DRiffusion difference map |sequential - %s|, seed %s, PSNR %.2f dB, SSIM %.4f, white = %.0f",
                  parallel_name.c_str(), seed.c_str(), c.psnr, c.ssim, args_full_scale());
    ImageMetadata diff_md;
    diff_md.extra.emplace_back("Comment", comment);
    const std::vector<float> none;
    const auto diff_path = target.path / numbered_file_name(seq.number, seed + "-diff", target.format);
    write_image_file(diff_path, ImageData{c.heatmap, none}, target.format, diff_md);

    runs_.push_back({{"seed", seed},
                     {"sequential", result_json(c.sequential, seq.path)},
                     {"parallel", result_json(c.parallel, par_path, c.sampling_speedup)},
                     {"diff_path", diff_path.string()},
                     {"sampling_speedup", c.sampling_speedup},
                     {"end_to_end_speedup", c.end_to_end_speedup},
                     {"psnr", finite_or_null(c.psnr)},
                     {"identical", !std::isfinite(c.psnr)},
                     {"ssim", c.ssim}});
    if (console_.json || console_.quiet) return;
    std::printf("seed %s: sampling speedup %.2fx (end to end %.2fx), %d vs %d serial latencies, PSNR %s, SSIM %.4f\n"
                "  %s\n  %s\n  %s\n",
                seed.c_str(), c.sampling_speedup, c.end_to_end_speedup, c.sequential.stats.serial_latencies,
                c.parallel.stats.serial_latencies, psnr_text(c.psnr).c_str(), c.ssim, seq.path.c_str(),
                par_path.c_str(), diff_path.c_str());
    std::fflush(stdout);
  }

  void print_summary(const ComparisonSummary& s, const ComparisonRequest& request) {
    if (console_.json) {
      nlohmann::json summary{{"runs", s.runs},
                             {"mean_sampling_speedup", s.mean_sampling_speedup},
                             {"mean_end_to_end_speedup", s.mean_end_to_end_speedup},
                             {"mean_psnr", finite_or_null(s.mean_psnr)},
                             {"min_psnr", finite_or_null(s.min_psnr)},
                             {"identical_runs", s.identical_runs},
                             {"mean_ssim", s.mean_ssim},
                             {"min_ssim", s.min_ssim}};
      print_json({{"command", "compare"},
                  {"ok", true},
                  {"build", build_json()},
                  {"mode", mode_name(request.settings.mode)},
                  {"width", request.settings.width},
                  {"runs", runs_},
                  {"summary", summary}});
      return;
    }
    if (console_.quiet || s.runs < 2) return;
    std::printf("mean over %d seeds: sampling speedup %.2fx, end to end %.2fx, PSNR %s (min %s), SSIM %.4f (min %.4f)\n",
                s.runs, s.mean_sampling_speedup, s.mean_end_to_end_speedup, psnr_text(s.mean_psnr).c_str(),
                psnr_text(s.min_psnr).c_str(), s.mean_ssim, s.min_ssim);
  }

  static std::string psnr_text(double v) {
    if (!std::isfinite(v)) return "inf (identical)";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f dB", v);
    return buf;
  }

  double args_full_scale() const { return args_.has("full-scale") ? args_.get_double("full-scale") : 64.0; }

  const ArgParser& args_;
  ConsoleOptions console_;
  nlohmann::json runs_ = nlohmann::json::array();
};

}  // namespace

int run_compare(int argc, char** argv) {
  ArgParser args("compare",
                 "Runs the sequential sampler and a DRiffusion configuration with the same model, seed and settings,\n"
                 "writes both images and a difference map per seed, and reports the measured speedup, PSNR and SSIM.\n"
                 "The DRiffusion side defaults to --mode aggressive --width 4.");
  add_generation_options(args);
  args.option("seeds", "LIST|N", "seeds to compare: a list (1,2,3) or a count N (seeds S..S+N-1 from --seed)")
      .option("full-scale", "D", "difference (0-255) shown as white in the difference map (default 64)")
      .flag("no-warmup", "skip the unmeasured warm-up runs")
      .option("prompts", "FILE",
              "batch mode: one prompt a line ('INDEX<TAB>prompt' names its reference thumbnail); every prompt x\n"
              "seed x --modes x --widths against the sequential image, summarised per configuration (no images)")
      .option("modes", "LIST", "batch mode: aggressive,conservative (default aggressive)")
      .option("widths", "LIST", "batch mode: DRiffusion widths, e.g. 2,3,4 (default --width)")
      .option("references", "FILE",
              "batch mode: reference thumbnails (safetensors 'thumbnails' [K,t,t,3] uint8, e.g.\n"
              "tests/builtin/data/reference_thumbnails.safetensors): top-1 prompt-hit rate per configuration");
  add_output_options(args, "outputs/compare");
  // compare's own defaults and limits, where the shared descriptions would mislead.
  args.option("mode", "MODE", "conservative or aggressive: the DRiffusion side (default aggressive)")
      .option("width", "N", "DRiffusion width of the DRiffusion side (default 4, at most --steps)")
      .option("out", "DIR", "folder for the images: three per seed (sequential, DRiffusion, difference map)",
              "outputs/compare");
  if (!args.parse(argc, argv, 2)) return kOk;
  return CompareCommand(args).run();
}

}  // namespace drf::cli
