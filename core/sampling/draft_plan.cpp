#include "core/sampling/draft_plan.h"

#include <algorithm>

#include "core/util/errors.h"

namespace drf {

int DraftPlan::serial_latencies() const {
  int n = 0;
  for (const DraftRound& r : rounds) n += r.latencies();
  return n;
}

DraftPlan plan_draft_refine(int steps, int width, Mode mode, int warmup) {
  if (steps < 1) throw UsageError("steps must be at least 1, got " + std::to_string(steps));
  if (mode != Mode::Sequential && (width < 1 || width > steps))
    throw UsageError("width must be between 1 and the number of steps (" + std::to_string(steps) + "), got " +
                     std::to_string(width));
  if (mode != Mode::Sequential && (warmup < 0 || warmup > steps))
    throw UsageError("warm-up steps must be between 0 and the number of steps (" + std::to_string(steps) +
                     "), got " + std::to_string(warmup));
  DraftPlan plan;
  plan.mode = mode;
  plan.steps = steps;
  plan.width = mode == Mode::Sequential ? 1 : width;
  plan.warmup = mode == Mode::Sequential ? 0 : warmup;
  int i = 0;
  while (i < steps) {
    DraftRound r;
    r.anchor = i;
    if (mode == Mode::Sequential) {
      r.advance = 1;
    } else if (i < plan.warmup) {
      // A width-1 round: aggressive keeps its one-latency rounds (the draft at offset 1 is the
      // refined state itself, so its estimate is exact), conservative evaluates the anchor.
      r.exact_eval = mode == Mode::Conservative || i == 0;
      if (mode == Mode::Aggressive && i + 1 < steps) r.draft_offsets.push_back(1);
      r.advance = 1;
    } else if (mode == Mode::Conservative) {
      const int m = std::min(width, steps - i - 1);
      for (int j = 1; j <= m; ++j) r.draft_offsets.push_back(j);
      r.advance = m + 1;
    } else {  // Aggressive: only the first round evaluates its anchor exactly.
      const int m = std::min(width, steps - i);
      r.exact_eval = (i == 0);
      for (int j = 1; j <= m && i + j < steps; ++j) r.draft_offsets.push_back(j);
      r.advance = m;
    }
    plan.rounds.push_back(r);
    i += r.advance;
  }
  return plan;
}

int aggressive_latencies_formula(int steps, int width, int warmup) {
  if (warmup >= steps) return steps;
  if (warmup > 0) return warmup + aggressive_latencies_formula(steps - warmup, width);
  // 1 exact evaluation of x_0, then one draft latency per round, except that a last round
  // of a single step has nothing left to draft (so width 1 costs exactly N, like sequential).
  const int rounds = (steps + width - 1) / width;
  const int last = steps - (rounds - 1) * width;
  return 1 + rounds - (last == 1 ? 1 : 0);
}

int conservative_latencies_formula(int steps, int width, int warmup) {
  if (warmup > 0) return std::min(warmup, steps) + conservative_latencies_formula(steps - std::min(warmup, steps), width);
  // Each full round advances n + 1 steps for 2 latencies; a last partial round of r steps
  // costs 1 latency when r == 1, else 2.
  const int full = steps / (width + 1), rest = steps % (width + 1);
  return 2 * full + (rest == 0 ? 0 : (rest == 1 ? 1 : 2));
}

}  // namespace drf
