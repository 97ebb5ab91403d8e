// What the sampling loops report after each round (the sequential sampler's rounds are its
// steps). Tensors stay on their device; observers that want pixels copy them.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "core/sampling/device_round_timing.h"

namespace drf {

struct RoundReport {
  int round = 0;          // 1-based
  int rounds_total = 0;
  int anchor = 0;         // i
  int advance = 0;        // steps this round advanced
  int steps_done = 0;     // i + advance
  int latencies_done = 0;
  int latencies_total = 0;
  torch::Tensor refined;  // x_{i+advance}, [1, ...]
  torch::Tensor drafts;   // this round's drafts [m, ...]; undefined when none
  std::vector<DeviceRoundTiming> timings;
  double refine_ms = 0;
};

class SamplingObserver {
 public:
  virtual ~SamplingObserver() = default;
  virtual void on_round(const RoundReport& report) = 0;
};

struct SamplingResult {
  torch::Tensor sample;      // x_N
  int serial_latencies = 0;  // counted while running (not taken from the plan)
  int rounds = 0;
  int evaluations = 0;       // states evaluated (network work)
};

}  // namespace drf
