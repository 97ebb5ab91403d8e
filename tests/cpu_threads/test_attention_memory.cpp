// The quadratic term of a UNet call's memory (core/models/nn/attention_memory.h): materialized
// attention scores, 2 x heads x L^2 x element bytes per batch row at the largest level with
// attention, where LibTorch 1.13 writes attention out; 0 with fused attention (LibTorch 2.x).
// The numbers are exact integer products of the configurations.
#include <gtest/gtest.h>

#include <limits>

#include "core/models/nn/attention_memory.h"
#include "core/models/builtin/builtin_model.h"
#include "core/models/unet/unet_memory.h"

namespace {

int64_t materialized(int64_t bytes) { return drf::attention_scores_materialized() ? bytes : 0; }

TEST(AttentionMemory, BuiltinModelAt512PxPeaksAtIts128x128Level) {
  const drf::UNetConfig unet = drf::builtin_model_architecture(1000).unet;
  // Levels 512, 256 (convolutions only), 128 (4 heads), 64 (5 heads and the mid block):
  // 2 x 4 x 16384^2 x 4 bytes = 8 GiB per batch row in fp32.
  EXPECT_EQ(drf::unet_attention_bytes_per_row(unet, 512, 512, 4), materialized(8LL << 30));
  // At the native 64 px: 16x16 tokens, 2 x 4 x 256^2 x 4 = 2 MiB.
  EXPECT_EQ(drf::unet_attention_bytes_per_row(unet, 64, 64, 4), materialized(2LL << 20));
  // The pipelines report activations plus scores.
  EXPECT_EQ(drf::unet_peak_bytes_per_row(unet, 512, 512, 4),
            drf::unet_activation_bytes_per_row(unet, 512, 512, 4) + materialized(8LL << 30));
}

TEST(AttentionMemory, TinySdAt2048PxIsWhatTheAllocatorWasAskedFor) {
  // random:tiny attends at its top level (2 heads): at 2048 px (latent 256x256, 65536 tokens) the
  // scores of 2 rows are 2 x 2 x 65536^2 x 4 bytes = 64 GiB, the "tried to allocate
  // 68719476736 bytes" of issue 24; per row, with the second copy, also 64 GiB.
  const drf::UNetConfig tiny = drf::unet_config_tiny();
  EXPECT_EQ(drf::unet_attention_bytes_per_row(tiny, 256, 256, 4), materialized(64LL << 30));
  EXPECT_EQ(drf::unet_attention_bytes_per_row(tiny, 256, 256, 2), materialized(32LL << 30)) << "fp16 halves it";
}

TEST(AttentionMemory, UpcastScoresAreFp32AndOddGridsRoundUp) {
  drf::UNetConfig c = drf::unet_config_tiny();  // attends at levels 0 and 2 (and the mid block)
  c.down_block_types = {"DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"};
  // A latent of 9x9: levels 9, 5, 3 (stride-2 convolutions round up): 9 tokens, 2 heads.
  EXPECT_EQ(drf::unet_attention_bytes_per_row(c, 9, 9, 2), materialized(2 * 2 * 81 * 2));
  c.upcast_attention = true;
  EXPECT_EQ(drf::unet_attention_bytes_per_row(c, 9, 9, 2), materialized(2 * 2 * 81 * 4));
}

TEST(AttentionMemory, UnknownOrAbsurdInputsDoNotOverflow) {
  const drf::UNetConfig tiny = drf::unet_config_tiny();
  EXPECT_EQ(drf::unet_attention_bytes_per_row(drf::UNetConfig{}, 64, 64, 4), 0) << "no blocks: unknown";
  EXPECT_EQ(drf::unet_attention_bytes_per_row(tiny, 0, 64, 4), 0);
  const int64_t huge = drf::unet_peak_bytes_per_row(tiny, 1 << 20, 1 << 20, 4);
  EXPECT_GT(huge, 0) << "saturates instead of wrapping negative";
  if (drf::attention_scores_materialized()) EXPECT_EQ(huge, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(drf::attention_score_bytes_per_row(8, 1LL << 40, 1LL << 40, 4),
            materialized(std::numeric_limits<int64_t>::max()));
}

}  // namespace
