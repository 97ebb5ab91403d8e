// Per-step Gaussian noise for stochastic samplers (DDPM, DDIM with eta > 0), indexed by the
// step it belongs to, not by call order: the refine pass of DRiffusion then uses exactly the
// noise the sequential sampler uses, so width 1 stays bit-identical.
//
// Noise is drawn on the CPU generator and moved to the target device, so one seed gives the
// same numbers on CPU and GPU. For a GPU state the whole run's noise is drawn ahead on a worker
// thread: drawing it step by step put ~0.1 ms of CPU work on every step's critical path
// (Euler a on SD 1.5: +2 % loop time against DDIM, 2026-12-05).
#pragma once
#include <cstdint>
#include <future>
#include <map>
#include <torch/torch.h>
#include <vector>

namespace drf {

// The initial state x_0 for a seed: standard normal noise of the given shape.
torch::Tensor seeded_noise(std::uint64_t seed, torch::IntArrayRef shape, const torch::TensorOptions& options);

// What a stochastic solver needs to draw its per-step noise.
struct NoiseRequest {
  std::uint64_t seed = 0;
  std::vector<int64_t> shape;
  torch::TensorOptions options;
  double s_noise = 1.0;  // scale of the added noise (k-diffusion's s_noise)
  int steps = 0;         // steps 0..steps-1 are drawn ahead for a GPU state (0: each on demand)
};

class StepNoise {
 public:
  StepNoise(std::uint64_t seed, std::vector<int64_t> shape, torch::TensorOptions options)
      : seed_(seed), shape_(std::move(shape)), options_(options) {}
  explicit StepNoise(const NoiseRequest& r);
  // Noise added by the update that produces x_{step+1}. Rethrows what the worker thread hit.
  const torch::Tensor& at(int step);

 private:
  std::uint64_t seed_;
  std::vector<int64_t> shape_;
  torch::TensorOptions options_;
  std::map<int, torch::Tensor> cache_;
  std::future<std::vector<torch::Tensor>> drawing_;  // pinned CPU noise of steps 0..n-1
  std::vector<torch::Tensor> drawn_;
};

}  // namespace drf
