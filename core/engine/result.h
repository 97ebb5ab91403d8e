// What a finished generation returns.
#pragma once
#include <string>
#include <vector>

#include "core/engine/events.h"
#include "core/engine/settings.h"

namespace drf {

struct RunStats {
  int steps = 0;
  int width = 1;
  std::string mode;
  int rounds = 0;
  int serial_latencies = 0;        // measured: network calls on the critical path
  int sequential_latencies = 0;    // what the sequential sampler needs (= steps)
  double theoretical_speedup = 1;  // sequential_latencies / serial_latencies
  double sampling_ms = 0;          // the denoising loop
  double text_encode_ms = 0;
  double decode_ms = 0;
  double total_ms = 0;
  std::vector<std::string> devices;
  // Peak bytes held by tensors on each device during text encoding + sampling (0 on CPU).
  std::vector<double> sampling_peak_mb;  // per device: peak memory the allocator held (CUDA graph pools included)
  // Most drafts one network call evaluated under the draft memory budget; 0 = no limit applied.
  int max_states_per_call = 0;
};

struct GenerationResult {
  GenerationSettings settings;
  RgbImage image;                 // 8-bit sRGB, final full decode
  std::vector<float> image_float; // the same image, linear floats in [0,1], HWC (for 16-bit/EXR)
  RunStats stats;
  std::string model_name;         // display name
  std::string model_hash;         // first 10 hex digits of the SHA-256 of the model file ("" if none)
  std::vector<std::string> warnings;  // e.g. prompt truncated to 77 tokens
};

}  // namespace drf
