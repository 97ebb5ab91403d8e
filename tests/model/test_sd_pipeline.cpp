// The SD pipeline end to end on random:tiny through drf::Engine (text encoding, sampling
// sequential and DRiffusion, decoding), plus its pieces: prompt handling, sizes, previews,
// and replicas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/engine/draft_memory.h"
#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/models/sd/stable_diffusion_pipeline.h"
#include "core/util/errors.h"

namespace drf {
namespace {

GenerationSettings tiny(Mode mode, int width) {
  GenerationSettings s;
  s.model = "random:tiny";
  s.prompt = "a red fox in the snow";
  s.negative_prompt = "blurry";
  s.seed = 42;
  s.steps = 8;
  s.guidance = 6;
  s.mode = mode;
  s.width = width;
  return s;
}

TEST(SdPipelineEngine, SequentialAndAggressiveRunsProduceImages) {
  Engine engine;
  std::vector<JobEvent> events;
  auto seq = engine.generate(tiny(Mode::Sequential, 1), [&](const JobEvent& e) { events.push_back(e); });
  EXPECT_EQ(seq.image.width, 64);
  EXPECT_EQ(seq.image.height, 64);
  EXPECT_EQ(seq.image.pixels.size(), 64u * 64u * 3u);
  EXPECT_EQ(seq.stats.serial_latencies, 8);
  EXPECT_NE(seq.model_name.find("byte-level stand-in tokenizer"), std::string::npos) << seq.model_name;
  EXPECT_TRUE(seq.model_hash.empty());
  int previews = 0;
  for (const auto& e : events)
    if (e.kind == JobEventKind::RoundDone) {
      ++previews;
      EXPECT_EQ(e.preview.width, 8);  // latent-resolution linear preview
    }
  EXPECT_EQ(previews, 8);
  // Random weights give noise, but not a constant image.
  const auto [lo, hi] = std::minmax_element(seq.image.pixels.begin(), seq.image.pixels.end());
  EXPECT_LT(*lo + 10, *hi);

  auto agg = engine.generate(tiny(Mode::Aggressive, 3), nullptr);
  EXPECT_EQ(agg.stats.serial_latencies, 1 + 3);  // 1 + ceil(8 / 3)
  EXPECT_EQ(agg.image.pixels.size(), seq.image.pixels.size());
  // Width 1 is the sequential sampler exactly (docs/method.md invariant), on the real model too.
  auto w1 = engine.generate(tiny(Mode::Aggressive, 1), nullptr);
  EXPECT_EQ(w1.image.pixels, seq.image.pixels);
  EXPECT_EQ(w1.image_float, seq.image_float);
}

TEST(SdPipelineEngine, DraftMemoryBudgetLimitsDraftsPerCall) {
  Engine engine;
  auto s = tiny(Mode::Aggressive, 8);
  s.image_width = s.image_height = 128;
  s.draft_memory_mb = 0;
  auto unlimited = engine.generate(s, nullptr);
  EXPECT_EQ(unlimited.stats.max_states_per_call, 0);
  PipelineRequest req;
  req.source = "random:tiny";
  auto pipeline = load_pipeline(req);
  const int64_t per_row = pipeline->activation_bytes_per_row(pipeline->state_shape(128, 128));
  ASSERT_GT(per_row, 0);
  const int expected = max_states_per_call(1, per_row, 2);
  ASSERT_LT(expected, 8) << "the test needs a budget that splits a round of 8 drafts";
  s.draft_memory_mb = 1;
  auto limited = engine.generate(s, nullptr);
  EXPECT_EQ(limited.stats.max_states_per_call, expected);
  EXPECT_EQ(limited.stats.serial_latencies, unlimited.stats.serial_latencies) << "a round is still one latency";
  // Drafts evaluated in several calls: the same image up to float reduction order. Other batch
  // sizes may take other BLAS kernels, which reorder each float32 sum (relative changes of a few
  // 1e-7 per product); over 8 steps of the tiny UNet that stays orders of magnitude below 1e-4 of
  // a [0, 1] pixel (a fortieth of an 8-bit level), on every OpenBLAS kernel set and thread count
  // (CI runs this suite under two). A wrong draft order or a lost row moves pixels by ~0.1.
  ASSERT_EQ(limited.image_float.size(), unlimited.image_float.size());
  float worst = 0;
  for (std::size_t i = 0; i < limited.image_float.size(); ++i)
    worst = std::max(worst, std::abs(limited.image_float[i] - unlimited.image_float[i]));
  EXPECT_LT(worst, 1e-4f);
  // The sequential sampler has nothing to split.
  EXPECT_EQ(engine.generate(tiny(Mode::Sequential, 1), nullptr).stats.max_states_per_call, 0);
}

TEST(SdPipelineEngine, SeedsPromptsAndSizes) {
  Engine engine;
  auto a = engine.generate(tiny(Mode::Sequential, 1), nullptr);
  EXPECT_EQ(engine.generate(tiny(Mode::Sequential, 1), nullptr).image.pixels, a.image.pixels);
  auto s = tiny(Mode::Sequential, 1);
  s.seed = 43;
  EXPECT_NE(engine.generate(s, nullptr).image.pixels, a.image.pixels);
  s = tiny(Mode::Sequential, 1);
  s.prompt = "a blue fox in the snow";
  EXPECT_NE(engine.generate(s, nullptr).image.pixels, a.image.pixels);

  s = tiny(Mode::Sequential, 1);
  s.prompt = std::string(100, 'x') + " tail end";
  auto r = engine.generate(s, nullptr);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("truncated"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("tail end"), std::string::npos) << r.warnings[0];

  s = tiny(Mode::Sequential, 1);
  s.image_width = 96;
  s.image_height = 48;
  s.steps = 2;
  r = engine.generate(s, nullptr);
  EXPECT_EQ(r.image.width, 96);
  EXPECT_EQ(r.image.height, 48);
  s.image_width = 4000;
  try {
    engine.generate(s, nullptr);
    FAIL() << "4000 px accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("4000"), std::string::npos) << e.what();
  }
}

TEST(SdPipeline, EncodeShapesGuidanceAndClipSkip) {
  PipelineRequest req;
  req.source = "random:tiny";
  auto p = load_pipeline(req);
  std::vector<std::string> w;
  auto guided = p->encode("cat", "dog", 7.5, 0, w);
  ASSERT_TRUE(guided.guided());
  EXPECT_EQ(guided.cond.context.sizes(), (std::vector<int64_t>{1, 77, 16}));
  EXPECT_EQ(guided.uncond.context.sizes(), (std::vector<int64_t>{1, 77, 16}));
  EXPECT_FALSE(torch::equal(guided.cond.context, guided.uncond.context));
  auto plain = p->encode("cat", "dog", 1.0, 0, w);
  EXPECT_FALSE(plain.guided());
  EXPECT_TRUE(torch::allclose(plain.cond.context, guided.cond.context, 1e-5, 1e-6));
  // Encoded alone or batched with the negative prompt, the prompt's states are the same function:
  // checked in float64, where the BLAS kernels that other batch sizes, CPUs or thread counts pick
  // (another order of each sum) move nothing by 1e-12. In float32 (above) such reordering may
  // differ by a few units in the last place, which the 1e-5 relative bound covers.
  PipelineRequest req64 = req;
  req64.dtype = torch::kFloat64;
  auto p64 = load_pipeline(req64);
  auto guided64 = p64->encode("cat", "dog", 7.5, 0, w);
  auto plain64 = p64->encode("cat", "dog", 1.0, 0, w);
  ASSERT_EQ(plain64.cond.context.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::allclose(plain64.cond.context, guided64.cond.context, 1e-12, 1e-12));
  auto skipped = p->encode("cat", "", 1.0, 1, w);
  EXPECT_FALSE(torch::allclose(skipped.cond.context, plain.cond.context));
  EXPECT_THROW(p->encode("cat", "", 1.0, 2, w), UsageError);
  EXPECT_TRUE(w.empty());

  EXPECT_EQ(p->state_shape(0, 0), (std::vector<int64_t>{1, 4, 8, 8}));
  EXPECT_EQ(p->state_shape(128, 64), (std::vector<int64_t>{1, 4, 8, 16}));
  EXPECT_THROW(p->state_shape(60, 64), UsageError);
  auto prev = p->preview(torch::randn({3, 4, 8, 8}));
  EXPECT_EQ(prev.sizes(), (std::vector<int64_t>{3, 3, 8, 8}));
  EXPECT_GE(prev.min().item<float>(), 0.0f);
  EXPECT_LE(prev.max().item<float>(), 1.0f);
  auto img = p->decode(torch::randn({1, 4, 8, 8}));
  EXPECT_EQ(img.sizes(), (std::vector<int64_t>{3, 64, 64}));
  // The same device gives the primary denoiser back; summary counts every component.
  EXPECT_EQ(p->replicate_denoiser(torch::kCPU).get(), &p->denoiser());
  const auto s = p->summary();
  EXPECT_EQ(s.architecture, "sd-tiny");
  ASSERT_EQ(s.parameter_counts.size(), 3u);
  for (const auto& [name, count] : s.parameter_counts) EXPECT_GT(count, 1000) << name;
}

TEST(SdPipeline, RandomWeightsAreDeterministicAndFinite) {
  PipelineRequest req;
  req.source = "random:tiny";
  auto a = load_pipeline(req);
  auto b = load_pipeline(req);
  auto x = torch::randn({2, 4, 8, 8});
  auto t = torch::tensor({999.0, 1.0});
  auto ctx = torch::randn({2, 77, 16});
  auto ya = a->denoiser().forward(x, t, ctx);
  EXPECT_TRUE(torch::equal(ya, b->denoiser().forward(x, t, ctx)));
  EXPECT_TRUE(torch::isfinite(ya).all().item<bool>());
  EXPECT_GT(ya.std().item<double>(), 0.05);  // neither vanishing ...
  EXPECT_LT(ya.std().item<double>(), 50.0);  // ... nor exploding
}

}  // namespace
}  // namespace drf
