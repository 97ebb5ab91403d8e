#include "core/engine/comparison.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/image/image_metrics.h"
#include "core/util/errors.h"

namespace drf {
namespace {

double ratio(double reference_ms, double measured_ms) { return measured_ms > 0 ? reference_ms / measured_ms : 0.0; }

}  // namespace

SeedComparison measure_pair(GenerationResult sequential, GenerationResult parallel, double full_scale) {
  SeedComparison c;
  c.seed = parallel.settings.seed;
  c.sampling_speedup = ratio(sequential.stats.sampling_ms, parallel.stats.sampling_ms);
  c.end_to_end_speedup = ratio(sequential.stats.total_ms, parallel.stats.total_ms);
  c.psnr = psnr(sequential.image, parallel.image);
  c.ssim = ssim(sequential.image, parallel.image);
  c.heatmap = difference_heatmap(sequential.image, parallel.image, full_scale);
  c.sequential = std::move(sequential);
  c.parallel = std::move(parallel);
  return c;
}

ComparisonSummary summarize(const std::vector<SeedComparison>& runs) {
  ComparisonSummary s;
  s.runs = static_cast<int>(runs.size());
  if (runs.empty()) return s;
  const double inf = std::numeric_limits<double>::infinity();
  double psnr_sum = 0;
  int finite = 0;
  s.min_psnr = inf;
  s.min_ssim = inf;
  for (const auto& r : runs) {
    s.mean_sampling_speedup += r.sampling_speedup / s.runs;
    s.mean_end_to_end_speedup += r.end_to_end_speedup / s.runs;
    s.mean_ssim += r.ssim / s.runs;
    s.min_ssim = std::min(s.min_ssim, r.ssim);
    s.min_psnr = std::min(s.min_psnr, r.psnr);
    if (std::isfinite(r.psnr)) {
      psnr_sum += r.psnr;
      ++finite;
    } else {
      ++s.identical_runs;
    }
  }
  s.mean_psnr = finite > 0 ? psnr_sum / finite : inf;
  return s;
}

ComparisonReport compare_with_sequential(Engine& engine, const ComparisonRequest& request,
                                         const ComparisonObserver& observer, const std::atomic<bool>* cancel,
                                         const SeedDone& on_seed) {
  if (request.seeds.empty()) throw UsageError("compare: no seeds given");
  if (request.seeds.size() > 10000) throw UsageError("compare: at most 10000 seeds");
  if (request.settings.mode == Mode::Sequential)
    throw UsageError("compare: choose a DRiffusion mode (conservative or aggressive) to compare with the sequential sampler");
  if (!(request.heatmap_full_scale > 0)) throw UsageError("compare: the difference map full scale must be positive");
  validate_settings(request.settings);

  GenerationSettings parallel = request.settings;
  GenerationSettings sequential = request.settings;
  sequential.mode = Mode::Sequential;
  const int count = static_cast<int>(request.seeds.size());

  const auto run = [&](const GenerationSettings& s, ComparisonPhase phase, int index) {
    JobObserver forward;
    if (observer) {
      const ComparisonProgress progress{phase, index, count, s.seed};
      forward = [&observer, progress](const JobEvent& e) { observer(progress, e); };
    }
    return engine.generate(s, forward, cancel);
  };

  if (request.warmup) {
    GenerationSettings warm_par = parallel, warm_seq = sequential;
    warm_par.seed = warm_seq.seed = request.seeds.front();
    // A few steps are enough to load the model and touch the draft batch shapes.
    warm_par.steps = std::min(parallel.steps, std::max(2, 2 * parallel.width));
    warm_seq.steps = std::min(sequential.steps, 2);
    run(warm_seq, ComparisonPhase::Warmup, 0);
    run(warm_par, ComparisonPhase::Warmup, 0);
  }

  ComparisonReport report;
  for (int i = 0; i < count; ++i) {
    sequential.seed = parallel.seed = request.seeds[static_cast<std::size_t>(i)];
    GenerationResult seq = run(sequential, ComparisonPhase::Sequential, i);
    GenerationResult par = run(parallel, ComparisonPhase::Parallel, i);
    report.runs.push_back(measure_pair(std::move(seq), std::move(par), request.heatmap_full_scale));
    if (on_seed) on_seed(report.runs.back());
  }
  report.summary = summarize(report.runs);
  return report;
}

}  // namespace drf
