// The DRiffusion planner: a pure function from (steps N, width n, mode) to rounds. It is the
// single source of the latency accounting shown in the UI, the CLI and the benchmarks.
//
// Round semantics (anchor i, advance a):
//   if exact_eval: D_i = D(x_i)                          -- 1 serial latency
//   drafts d_j = Draft(x_i, D_i; i -> i+j) for j in draft_offsets, evaluated together
//                                                          -- 1 serial latency if any
//   refine: x_{i+1} = Step(x_i, D_i); x_{i+j+1} = Step(x_{i+j}, e_j) for j = 1..a-1
//   if a draft at offset a exists, its estimate becomes the next anchor's D (aggressive).
// (D: the network's x0 estimate; Step/Draft: the solver's, sampler.h.)
//
// Warm-up: the first W steps run one per latency with exact estimates (a width-1 round each),
// as DistriFusion warms up its first steps. At the highest noise levels a draft's estimate is
// furthest from the refined state's and a stochastic solver's update leans on it the most
// (docs/fidelity.md, "Warm-up"); W steps cost W extra latencies at most.
#pragma once
#include <string>
#include <vector>

#include "core/sampling/draft_mode.h"

namespace drf {

struct DraftRound {
  int anchor = 0;
  bool exact_eval = true;
  std::vector<int> draft_offsets;  // 1..m
  int advance = 1;
  int latencies() const { return (exact_eval ? 1 : 0) + (draft_offsets.empty() ? 0 : 1); }
  bool carries_anchor_noise() const { return !draft_offsets.empty() && draft_offsets.back() == advance; }
};

struct DraftPlan {
  Mode mode = Mode::Sequential;
  int steps = 0;
  int width = 1;
  int warmup = 0;  // steps run one per latency before the drafting rounds
  std::vector<DraftRound> rounds;
  int serial_latencies() const;
  double theoretical_speedup() const { return static_cast<double>(steps) / serial_latencies(); }
};

// Throws UsageError for steps < 1, width < 1 or width > steps (a draft past the end is
// meaningless), or warmup outside 0..steps. Sequential ignores width and warmup.
DraftPlan plan_draft_refine(int steps, int width, Mode mode, int warmup = 0);

// docs/method.md's closed forms, used to cross-check the planner; a warm-up of W steps adds
// its W latencies to the formula of the remaining steps - W.
int aggressive_latencies_formula(int steps, int width, int warmup = 0);
int conservative_latencies_formula(int steps, int width, int warmup = 0);

}  // namespace drf
