#include "core/sampling/draft_refine_sampler.h"

#include <chrono>

#include "core/util/errors.h"

namespace drf {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

SamplingResult sample_draft_refine(Sampler& sampler, RoundEvaluator& evaluator, const DraftPlan& plan,
                                   const torch::Tensor& x0, SamplingObserver* observer) {
  torch::NoGradGuard no_grad;
  if (plan.steps != sampler.steps())
    throw Error(ErrorKind::Internal, "plan has " + std::to_string(plan.steps) + " steps, sampler " +
                                         std::to_string(sampler.steps()));
  SamplingResult result;
  torch::Tensor x = x0, denoised;  // denoised: the estimate at the current anchor
  SolverHistory history;            // refined trajectory's solver memory; drafts read a copy
  const int rounds_total = static_cast<int>(plan.rounds.size());
  const int latencies_total = plan.serial_latencies();
  for (const DraftRound& r : plan.rounds) {
    const int i = r.anchor;
    std::vector<DeviceRoundTiming> timings;
    if (r.exact_eval) {
      denoised = evaluator.evaluate(x, {sampler.eval_point(i)});
      ++result.serial_latencies;
      ++result.evaluations;
      timings = evaluator.last_timings();
    }
    if (!denoised.defined()) throw Error(ErrorKind::Internal, "round without an anchor estimate");

    torch::Tensor drafts, draft_est;
    if (!r.draft_offsets.empty()) {
      std::vector<torch::Tensor> d;
      std::vector<EvalPoint> points;
      for (int j : r.draft_offsets) {
        d.push_back(sampler.draft(x, denoised, i, j, history));
        points.push_back(sampler.eval_point(i + j));
      }
      drafts = torch::cat(d);
      draft_est = evaluator.evaluate(drafts, points);
      ++result.serial_latencies;
      result.evaluations += static_cast<int>(points.size());
      auto t = evaluator.last_timings();
      for (std::size_t w = 0; w < t.size(); ++w) {  // add the draft latency to the anchor's
        if (w < timings.size()) {
          timings[w].eval_ms += t[w].eval_ms;
          timings[w].comm_ms += t[w].comm_ms;
          timings[w].idle_ms += t[w].idle_ms;
        } else {
          timings.push_back(t[w]);
        }
      }
    }

    const auto refine_start = std::chrono::steady_clock::now();
    // The solver's own update in order, its history included, through the draft estimates, each
    // moved from its draft state to the refined state (Sampler::transfer).
    torch::Tensor next = sampler.step(x, denoised, i, history);
    for (int j = 1; j < r.advance; ++j) {
      const auto draft = drafts.narrow(0, j - 1, 1);
      const auto est = sampler.transfer(draft_est.narrow(0, j - 1, 1), draft, next, i + j);
      next = sampler.step(next, est, i + j, history);
    }
    if (r.carries_anchor_noise()) {
      const auto draft = drafts.narrow(0, r.advance - 1, 1);
      denoised = sampler.transfer(draft_est.narrow(0, r.advance - 1, 1), draft, next, i + r.advance);
    }
    x = next;
    ++result.rounds;

    if (observer) {
      RoundReport rep;
      rep.round = result.rounds;
      rep.rounds_total = rounds_total;
      rep.anchor = i;
      rep.advance = r.advance;
      rep.steps_done = i + r.advance;
      rep.latencies_done = result.serial_latencies;
      rep.latencies_total = latencies_total;
      rep.refined = x;
      rep.drafts = drafts;
      rep.refine_ms = ms_since(refine_start);
      for (auto& t : timings) t.refine_ms = rep.refine_ms;
      rep.timings = std::move(timings);
      observer->on_round(rep);
    }
  }
  result.sample = x;
  return result;
}

}  // namespace drf
