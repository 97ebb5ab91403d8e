// Turns cuDNN's benchmark mode off for a scope and restores it after. Benchmark mode times every
// algorithm for each new convolution shape, which pays for the UNet's shapes (repeated every
// step) but not for a VAE decode, run once per image at shapes of its own: timing the ~30
// full-resolution convolutions of an SDXL decode cost ~1.5 s of a 1024 px image, the decode
// itself 0.2 s (one H200, docs/sdxl.md). The flag is process-wide: use it only where no other
// thread runs convolutions meanwhile (the decode follows the synchronised end of sampling).
#pragma once
#include <ATen/Context.h>

namespace drf {

class ScopedCudnnHeuristics {
 public:
  ScopedCudnnHeuristics() : before_(at::globalContext().benchmarkCuDNN()) { at::globalContext().setBenchmarkCuDNN(false); }
  ~ScopedCudnnHeuristics() { at::globalContext().setBenchmarkCuDNN(before_); }
  ScopedCudnnHeuristics(const ScopedCudnnHeuristics&) = delete;
  ScopedCudnnHeuristics& operator=(const ScopedCudnnHeuristics&) = delete;

 private:
  bool before_;
};

}  // namespace drf
