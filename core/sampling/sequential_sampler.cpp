#include "core/sampling/sequential_sampler.h"

namespace drf {

SamplingResult sample_sequential(Sampler& sampler, RoundEvaluator& evaluator, const torch::Tensor& x0,
                                 SamplingObserver* observer) {
  torch::NoGradGuard no_grad;
  const int n = sampler.steps();
  torch::Tensor x = x0;
  SolverHistory history;  // the loop owns the solver's memory (sampler.h)
  SamplingResult result;
  for (int i = 0; i < n; ++i) {
    auto denoised = evaluator.evaluate(x, {sampler.eval_point(i)});
    x = sampler.step(x, denoised, i, history);
    ++result.serial_latencies;
    ++result.evaluations;
    ++result.rounds;
    if (observer) {
      RoundReport r;
      r.round = i + 1;
      r.rounds_total = n;
      r.anchor = i;
      r.advance = 1;
      r.steps_done = i + 1;
      r.latencies_done = i + 1;
      r.latencies_total = n;
      r.refined = x;
      r.timings = evaluator.last_timings();
      observer->on_round(r);
    }
  }
  result.sample = x;
  return result;
}

}  // namespace drf
