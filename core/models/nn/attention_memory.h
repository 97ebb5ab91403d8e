// What materialized attention scores cost: the quadratic term of a UNet call's memory. On
// LibTorch 1.13 (drf::compat::attention written out) every attention call holds its
// [rows, heads, L, L] score matrix twice at its peak (the product, then its scaled copy or its
// softmax); at 512 px the built-in model's 16x16 level becomes 128x128 tokens and the scores
// alone take 2 x 4 heads x 16384^2 x 4 bytes = 8.6 GB per batch row. With fused attention
// (LibTorch 2.x scaled_dot_product_attention: flash / memory-efficient kernels, on the CPU too)
// no score matrix exists and the term is 0, so GPU draft budgets calibrated with fused kernels
// (core/models/unet/unet_memory.h) do not change. What a UNet call adds up from this:
// unet_attention_bytes_per_row (core/models/unet/unet_memory.h).
#pragma once
#include <cstdint>

namespace drf {

// Peak bytes one batch row's attention scores hold: 2 x heads x query_tokens x key_tokens x
// element_bytes when scores are materialized, 0 with fused attention. Saturates instead of
// overflowing.
int64_t attention_score_bytes_per_row(int64_t heads, int64_t query_tokens, int64_t key_tokens, int64_t element_bytes);

// Whether this build materializes attention scores (LibTorch 1.13): what the estimate above
// (and unet_attention_bytes_per_row) assumes.
bool attention_scores_materialized();

}  // namespace drf
