// Many prompts at once through the product's own sampling code (samplers, GuidedPredictor,
// sequential and DRiffusion loops), for evaluation. The P images are folded into the channel
// axis of ONE sampler state [1, P*C, H, W]: every sampler update is element-wise, so each image
// follows exactly the trajectory it would follow alone (same seed, same noise), while the network
// sees all P images (times drafts, times guidance) in one batch. A stochastic sampler draws its
// per-step noise for the whole folded state, from the seed of the chunk's first prompt: each image is then a
// different (equally valid) sample than its single run, but every mode and width of one batch
// reads the same noise, so DRiffusion still compares against its own sequential images.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine/pipeline.h"

namespace drf::train {

struct BatchSamplingSettings {
  int steps = 25;
  double guidance = 4.0;
  Mode mode = Mode::Sequential;
  int width = 1;
  SamplerKind sampler = SamplerKind::DDIM;
};

struct BatchSamplingResult {
  torch::Tensor images;      // [P, 3, H, W] float in [0, 1] on the CPU (pipeline.decode of each image)
  int serial_latencies = 0;  // of one run (all prompts run together)
  double sampling_ms = 0;    // wall time of the sampling loops, all chunks
};

// One image per prompt, image i from seeds[i] (the seed the CLI's --seed takes). Prompts are
// processed `chunk` at a time.
BatchSamplingResult generate_batch(Pipeline& pipeline, const std::vector<std::string>& prompts,
                                   const std::vector<std::uint64_t>& seeds, const BatchSamplingSettings& settings,
                                   int chunk = 200);

}  // namespace drf::train
