// Fitting a round's drafts into the draft memory budget (GenerationSettings::draft_memory_mb).
#pragma once
#include <cstdint>

namespace drf {

// Most states one network call on a device may evaluate so that its activations exceed those
// of a single state's call (the sequential sampler's) by at most budget_mb: each state takes
// rows_per_state batch rows (2 with guidance) of bytes_per_row each, and a bigger batch's CUDA
// graph pool costs a fixed overhead on top. At least 1. Returns 0 (no limit) when budget_mb is
// 0 or the cost per row is unknown (0).
int max_states_per_call(int budget_mb, int64_t bytes_per_row, int rows_per_state);

}  // namespace drf
