// The ordinary sequential sampler: one network call per step. DRiffusion at width 1 must
// reproduce it bit for bit; tests compare against this loop.
#pragma once
#include "core/sampling/round_evaluator.h"
#include "core/sampling/sampler.h"
#include "core/sampling/sampling_observer.h"

namespace drf {

SamplingResult sample_sequential(Sampler& sampler, RoundEvaluator& evaluator, const torch::Tensor& x0,
                                 SamplingObserver* observer = nullptr);

}  // namespace drf
