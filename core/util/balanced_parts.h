// Cutting a run of items into the fewest parts of at most max_part items, as equal as possible:
// the feed-forward's row passes and the draft memory budget's network calls both do this, so
// that 6 items at most 4 per part run as 3 + 3 (one shape) rather than 4 + 2.
#pragma once
#include <cstdint>

namespace drf {

// Size of every part but possibly the last (which may be smaller); max_part >= 1, total >= 1.
inline int64_t balanced_part_size(int64_t total, int64_t max_part) {
  const int64_t parts = (total + max_part - 1) / max_part;
  return (total + parts - 1) / parts;
}

}  // namespace drf
