#include "app/cli/cli_compare_batch.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "app/cli/cancel_signal.h"
#include "app/cli/cli_results.h"
#include "app/cli/cli_settings.h"
#include "app/cli/commands.h"
#include "core/engine/comparison.h"
#include "core/io/safetensors_reader.h"
#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"

namespace drf::cli {
namespace {

struct BatchPrompt {
  std::string text;
  int reference = -1;  // index of the prompted image among the reference thumbnails, or -1
};

// One prompt a line; "INDEX<TAB>prompt[<TAB>anything]" names the prompt's reference thumbnail
// (the layout of tests/builtin/data/prompts.tsv). Empty lines and lines starting with # are skipped.
std::vector<BatchPrompt> read_prompts(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("compare: cannot read the prompt file '" + path + "'");
  std::vector<BatchPrompt> prompts;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    BatchPrompt p;
    const std::size_t tab = line.find('\t');
    const std::string head = line.substr(0, tab);
    if (tab != std::string::npos && !head.empty() && head.size() < 9 &&
        head.find_first_not_of("0123456789") == std::string::npos) {
      p.reference = std::stoi(head);
      const std::size_t end = line.find('\t', tab + 1);
      p.text = line.substr(tab + 1, end == std::string::npos ? std::string::npos : end - tab - 1);
    } else {
      p.text = line;
    }
    prompts.push_back(std::move(p));
    if (prompts.size() > 10000) throw UsageError("compare: the prompt file has more than 10000 prompts");
  }
  if (prompts.empty()) throw UsageError("compare: the prompt file '" + path + "' lists no prompt");
  return prompts;
}

// Reference thumbnails [K, t, t, 3] uint8 (tests/builtin/data/reference_thumbnails.safetensors).
class Thumbnails {
 public:
  explicit Thumbnails(const std::string& path) {
    SafetensorsFile file(path);
    auto t = file.tensor("thumbnails", torch::kUInt8);
    if (t.dim() != 4 || t.size(1) != t.size(2) || t.size(3) != 3)
      throw InputError("compare: '" + path + "': thumbnails must be [K, t, t, 3] uint8");
    size_ = t.size(1);
    refs_ = t.to(torch::kFloat32).div(255.0).reshape({t.size(0), -1});
  }
  int64_t count() const { return refs_.size(0); }
  // Index of the nearest thumbnail (L2) to the image area-downsampled to the thumbnail size.
  int64_t nearest(const RgbImage& image) const {
    auto t = torch::from_blob(const_cast<std::uint8_t*>(image.pixels.data()), {image.height, image.width, 3},
                              torch::kUInt8)
                 .to(torch::kFloat32)
                 .div(255.0)
                 .permute({2, 0, 1})
                 .unsqueeze(0);
    t = torch::adaptive_avg_pool2d(t, {size_, size_}).squeeze(0).permute({1, 2, 0}).reshape({-1});
    return (refs_ - t.unsqueeze(0)).pow(2).sum(1).argmin().item<int64_t>();
  }

 private:
  int64_t size_ = 0;
  torch::Tensor refs_;
};

struct Config {
  Mode mode;
  int width;
  int warmup_steps;  // what ran (the solver's default unless --warmup-steps)
  std::vector<SeedComparison> pairs;
  int hits = 0, judged = 0;
};

double rate(int hits, int judged) { return judged ? static_cast<double>(hits) / judged : 0.0; }

}  // namespace

int run_compare_batch(const ArgParser& args, const std::vector<std::uint64_t>& seeds) {
  const ConsoleOptions console = console_options(args);
  const auto prompts = read_prompts(args.get("prompts"));
  GenerationSettings base = apply_generation_options(args, GenerationSettings{});
  std::vector<Mode> modes;
  for (const std::string& m : args.has("modes") ? args.get_list("modes") : std::vector<std::string>{"aggressive"}) {
    if (m == "aggressive") modes.push_back(Mode::Aggressive);
    else if (m == "conservative") modes.push_back(Mode::Conservative);
    else throw UsageError("compare: --modes takes aggressive and/or conservative, got '" + m + "'");
  }
  const std::vector<int> widths = args.has("widths") ? args.get_int_list("widths") : std::vector<int>{base.width};
  std::vector<Config> configs;
  for (Mode m : modes)
    for (int w : widths) {
      GenerationSettings s = base;
      s.mode = m;
      s.width = w;
      validate_settings(s);  // widths 1..steps
      configs.push_back({m, w, effective_warmup(s), {}, 0, 0});
    }
  std::optional<Thumbnails> refs;
  if (args.has("references")) {
    refs.emplace(args.get("references"));
    for (const auto& p : prompts)
      if (p.reference >= refs->count())
        throw UsageError("compare: prompt '" + p.text + "' names reference " + std::to_string(p.reference) + " of " +
                         std::to_string(refs->count()));
  }
  const std::atomic<bool>* cancel = install_cancel_signal();
  Engine engine;
  int seq_hits = 0, seq_judged = 0;
  nlohmann::json pairs = nlohmann::json::array();
  const int total = static_cast<int>(prompts.size() * seeds.size());
  int done = 0;
  for (std::size_t pi = 0; pi < prompts.size(); ++pi) {
    for (std::uint64_t seed : seeds) {
      GenerationSettings s = base;
      s.prompt = prompts[pi].text;
      s.seed = seed;
      s.mode = Mode::Sequential;
      s.width = 1;
      const GenerationResult seq = engine.generate(s, JobObserver{}, cancel);
      const bool judge = refs && prompts[pi].reference >= 0;
      if (judge) {
        ++seq_judged;
        seq_hits += refs->nearest(seq.image) == prompts[pi].reference;
      }
      for (Config& c : configs) {
        GenerationSettings p = s;
        p.mode = c.mode;
        p.width = c.width;
        SeedComparison pair = measure_pair(seq, engine.generate(p, JobObserver{}, cancel));
        pair.seed = seed;
        nlohmann::json row{{"prompt", pi},
                           {"seed", seed},
                           {"mode", mode_name(c.mode)},
                           {"width", c.width},
                           {"psnr", finite_or_null(pair.psnr)},
                           {"ssim", pair.ssim}};
        if (judge) {
          const bool hit = refs->nearest(pair.parallel.image) == prompts[pi].reference;
          ++c.judged;
          c.hits += hit;
          row["hit"] = hit;
        }
        pair.heatmap = {};  // not kept: a batch holds many pairs
        pair.sequential.image_float.clear();
        pair.parallel.image_float.clear();
        c.pairs.push_back(std::move(pair));
        pairs.push_back(std::move(row));
      }
      ++done;
      if (!console.json && !console.quiet) {
        std::fprintf(stderr, "\r%d/%d prompt-seed pairs", done, total);
        std::fflush(stderr);
      }
    }
  }
  if (!console.json && !console.quiet) std::fprintf(stderr, "\n");

  nlohmann::json rows = nlohmann::json::array();
  for (const Config& c : configs) {
    const ComparisonSummary sum = summarize(c.pairs);
    nlohmann::json r{{"mode", mode_name(c.mode)},
                     {"width", c.width},
                     {"warmup_steps", c.warmup_steps},
                     {"runs", sum.runs},
                     {"mean_psnr", finite_or_null(sum.mean_psnr)},
                     {"min_psnr", finite_or_null(sum.min_psnr)},
                     {"identical_runs", sum.identical_runs},
                     {"mean_ssim", sum.mean_ssim},
                     {"min_ssim", sum.min_ssim},
                     {"mean_sampling_speedup", sum.mean_sampling_speedup}};
    if (c.judged) r["top1"] = rate(c.hits, c.judged);
    rows.push_back(r);
    if (!console.json && !console.quiet)
      std::printf("%-12s width %d: mean PSNR %.2f dB (min %.2f), SSIM %.4f%s\n", mode_name(c.mode), c.width,
                  sum.mean_psnr, sum.min_psnr, sum.mean_ssim,
                  c.judged ? (", top-1 " + std::to_string(100.0 * rate(c.hits, c.judged)).substr(0, 5) + "%").c_str()
                           : "");
  }
  if (console.json) {
    nlohmann::json seq{{"runs", total}};
    if (seq_judged) seq["top1"] = rate(seq_hits, seq_judged);
    print_json({{"command", "compare"},
                {"ok", true},
                {"batch", true},
                {"build", build_json()},
                {"model", base.model},
                {"sampler", sampler_info(base.sampler).name},
                {"schedule", schedule_info(effective_schedule(base)).name},
                {"steps", base.steps},
                {"guidance", base.guidance},
                {"prompts", prompts.size()},
                {"seeds", seeds},
                {"sequential", seq},
                {"configs", rows},
                {"pairs", pairs}});
  } else if (!console.quiet && seq_judged) {
    std::printf("sequential: top-1 %.1f%% over %d images\n", 100.0 * rate(seq_hits, seq_judged), seq_judged);
  }
  return kOk;
}

}  // namespace drf::cli
