#include "core/engine/draft_memory.h"

#include <algorithm>
#include <limits>

namespace drf {
namespace {

// What a CUDA graph pool for a bigger batch holds beyond its per-row growth, whatever the
// model: measured 40..60 MB on an H200 for SD 1.5 and SD 2.1 (docs/benchmarks.md, "Draft
// memory"). Set aside from the budget before it is divided into rows.
constexpr int64_t kPoolOverheadMb = 50;

}  // namespace

int max_states_per_call(int budget_mb, int64_t bytes_per_row, int rows_per_state) {
  if (budget_mb <= 0 || bytes_per_row <= 0) return 0;
  const int64_t rows = std::max(rows_per_state, 1);
  const int64_t usable_mb = std::max<int64_t>(0, budget_mb - kPoolOverheadMb);
  const int64_t extra_rows = usable_mb * 1024 * 1024 / bytes_per_row;
  const int64_t states = (rows + extra_rows) / rows;
  return static_cast<int>(std::clamp<int64_t>(states, 1, std::numeric_limits<int>::max()));
}

}  // namespace drf
