#include "core/models/nn/attention_memory.h"

#include <limits>

#include "core/util/torch_compat.h"

namespace drf {
namespace {

// a * b, saturating at INT64_MAX (sizes here come from user settings: 4096 px and more).
int64_t attention_saturating_mul(int64_t a, int64_t b) {
  if (a <= 0 || b <= 0) return 0;
  if (a > std::numeric_limits<int64_t>::max() / b) return std::numeric_limits<int64_t>::max();
  return a * b;
}

}  // namespace

bool attention_scores_materialized() { return !compat::kHasSdpa; }

int64_t attention_score_bytes_per_row(int64_t heads, int64_t query_tokens, int64_t key_tokens, int64_t element_bytes) {
  if (!attention_scores_materialized()) return 0;
  // The product q k^T and the scaled scores (then the softmax) are alive together: 2 copies.
  int64_t bytes = 2;
  for (int64_t f : {heads, query_tokens, key_tokens, element_bytes}) bytes = attention_saturating_mul(bytes, f);
  return bytes;
}

}  // namespace drf
