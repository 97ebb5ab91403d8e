// Side-by-side comparison of DRiffusion with the exact sequential sampler: same model, seed and
// settings through drf::Engine, measured speedup and fidelity (PSNR, SSIM, difference map).
// Plain C++: the CLI's `compare` and the GUI's comparison view both call this.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/engine/engine.h"

namespace drf {

struct ComparisonRequest {
  // The DRiffusion configuration (mode must not be Sequential); the sequential reference run
  // uses the same settings with mode Sequential. settings.seed is ignored: `seeds` rule.
  GenerationSettings settings;
  std::vector<std::uint64_t> seeds;  // at least one
  // One unmeasured run of each configuration first, so one-time costs (model load, kernel
  // selection, allocator growth) do not count against whichever configuration runs first.
  bool warmup = true;
  double heatmap_full_scale = 64.0;  // difference (0..255) shown as white
};

struct SeedComparison {
  std::uint64_t seed = 0;
  GenerationResult sequential, parallel;
  double sampling_speedup = 0;    // sequential sampling_ms / DRiffusion sampling_ms
  double end_to_end_speedup = 0;  // the same for total_ms (text encoding and decoding included)
  double psnr = 0;                // dB; +infinity when the images are identical
  double ssim = 0;
  RgbImage heatmap;               // difference_heatmap(sequential, parallel, full scale)
};

struct ComparisonSummary {
  int runs = 0;
  double mean_sampling_speedup = 0, mean_end_to_end_speedup = 0;
  double mean_psnr = 0;  // over runs with finite PSNR; +infinity when every run was identical
  double min_psnr = 0;   // +infinity when every run was identical
  int identical_runs = 0;
  double mean_ssim = 0, min_ssim = 0;
};

struct ComparisonReport {
  std::vector<SeedComparison> runs;
  ComparisonSummary summary;
};

// Which run an event belongs to.
enum class ComparisonPhase { Warmup, Sequential, Parallel };
struct ComparisonProgress {
  ComparisonPhase phase = ComparisonPhase::Sequential;
  int seed_index = 0;  // 0-based into request.seeds
  int seed_count = 0;
  std::uint64_t seed = 0;
};
using ComparisonObserver = std::function<void(const ComparisonProgress&, const JobEvent&)>;
// Called after each seed finishes (e.g. to write its files); may throw to stop the comparison.
using SeedDone = std::function<void(const SeedComparison&)>;

// Validates the request (UsageError), then for each seed runs the sequential sampler and the
// DRiffusion configuration. Throws what Engine::generate throws (Cancelled when `cancel` is set).
ComparisonReport compare_with_sequential(Engine& engine, const ComparisonRequest& request,
                                         const ComparisonObserver& observer = nullptr,
                                         const std::atomic<bool>* cancel = nullptr, const SeedDone& on_seed = nullptr);

// Measurements of one pair of finished runs (also used by the GUI for runs it already has).
SeedComparison measure_pair(GenerationResult sequential, GenerationResult parallel, double heatmap_full_scale = 64.0);
ComparisonSummary summarize(const std::vector<SeedComparison>& runs);

}  // namespace drf
