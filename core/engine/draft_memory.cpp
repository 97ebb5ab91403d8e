#include "core/engine/draft_memory.h"

#include <algorithm>
#include <limits>

namespace drf {

int max_states_per_call(int budget_mb, int64_t bytes_per_row, int rows_per_state) {
  if (budget_mb <= 0 || bytes_per_row <= 0) return 0;
  const int64_t rows = std::max(rows_per_state, 1);
  const int64_t extra_rows = static_cast<int64_t>(budget_mb) * 1024 * 1024 / bytes_per_row;
  const int64_t states = (rows + extra_rows) / rows;
  return static_cast<int>(std::clamp<int64_t>(states, 1, std::numeric_limits<int>::max()));
}

}  // namespace drf
