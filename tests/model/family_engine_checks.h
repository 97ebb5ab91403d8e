// End-to-end checks that every latent model family passes through drf::Engine on its tiny random
// preset (random:sdxl-tiny, random:sd3-tiny...): sequential and DRiffusion runs make images, width 1
// equals the sequential sampler bit for bit (the family's extra conditioning included), aggressive
// width 3 takes 1 + 2 serial latencies, and a non-square size comes out at that size.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/engine/engine.h"

namespace drf::test {

// A small job: 6 steps, CFG 7, empty negative prompt, seed 7.
inline GenerationSettings tiny_job(const std::string& model, Mode mode, int width) {
  GenerationSettings s;
  s.model = model;
  s.prompt = "a lighthouse at dusk";
  s.negative_prompt = "";
  s.seed = 7;
  s.steps = 6;
  s.guidance = 7;
  s.mode = mode;
  s.width = width;
  return s;
}

inline void expect_tiny_family_runs_through_the_engine(const std::string& model, int wide_width, int wide_height) {
  Engine engine;
  auto seq = engine.generate(tiny_job(model, Mode::Sequential, 1), nullptr);
  EXPECT_EQ(seq.image.width, 64);
  EXPECT_EQ(seq.image.height, 64);
  EXPECT_EQ(seq.stats.serial_latencies, 6);
  const auto [lo, hi] = std::minmax_element(seq.image.pixels.begin(), seq.image.pixels.end());
  EXPECT_LT(*lo + 10, *hi);
  auto w1 = engine.generate(tiny_job(model, Mode::Aggressive, 1), nullptr);
  EXPECT_EQ(w1.image_float, seq.image_float);
  auto agg = engine.generate(tiny_job(model, Mode::Aggressive, 3), nullptr);
  EXPECT_EQ(agg.stats.serial_latencies, 1 + 2);
  EXPECT_EQ(agg.image.pixels.size(), seq.image.pixels.size());
  auto s = tiny_job(model, Mode::Sequential, 1);
  s.image_width = wide_width;
  s.image_height = wide_height;
  auto wide = engine.generate(s, nullptr);
  EXPECT_EQ(wide.image.width, wide_width);
  EXPECT_EQ(wide.image.height, wide_height);
}

}  // namespace drf::test
