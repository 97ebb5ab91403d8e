// DRiffusion: executes a DraftPlan (conservative or aggressive) through a RoundEvaluator.
// Each round drafts future states with the sampler's draft operator (its own step, then the
// first-order skip with the anchor's estimate and the per-step noises), evaluates all drafts in
// one parallel latency, then walks the real trajectory with the solver's step through the
// draft estimates, history included (the refine pass, which costs no network call).
#pragma once
#include "core/sampling/draft_plan.h"
#include "core/sampling/round_evaluator.h"
#include "core/sampling/sampler.h"
#include "core/sampling/sampling_observer.h"

namespace drf {

SamplingResult sample_draft_refine(Sampler& sampler, RoundEvaluator& evaluator, const DraftPlan& plan,
                                   const torch::Tensor& x0, SamplingObserver* observer = nullptr);

}  // namespace drf
