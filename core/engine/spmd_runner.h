// Runs one image's sampling SPMD over several workers (docs/architecture.md, "Multi-device
// execution"): one thread per worker, each with its own denoiser replica, sampler and copy of
// the (small) state; every worker drafts locally, evaluates its share, gathers all estimates
// once per round and refines identically. Rank 0 reports to the observer.
#pragma once
#include <atomic>
#include <functional>
#include <vector>

#include "core/engine/pipeline.h"
#include "core/engine/transport.h"
#include "core/sampling/draft_plan.h"
#include "core/sampling/sampler.h"
#include "core/sampling/sampling_observer.h"

namespace drf {

struct SpmdRunRequest {
  Pipeline* pipeline = nullptr;
  // Denoiser for a device (e.g. the engine's cached, CUDA-graph accelerated replicas);
  // when empty, pipeline->replicate_denoiser is used.
  std::function<std::shared_ptr<Denoiser>(const torch::Device&)> denoiser_for;
  Conditioning conditioning;
  NoiseSchedule schedule{ScheduleConfig{}};
  SamplerOptions sampler_options;  // state_options' device is replaced per worker
  DraftPlan plan;
  torch::Tensor x0;
  std::vector<torch::Device> devices;  // one per worker; repeats allowed with the copy transport
  SamplingObserver* observer = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  bool measure = false;              // per-device timings (adds device syncs)
  bool force_copy_transport = false;
  int max_states_per_call = 0;  // per worker and network call (draft memory budget); 0 = no limit
  // A group kept from an earlier run over the same devices (NCCL set-up costs hundreds of
  // milliseconds); made here when null. Must not be aborted.
  std::shared_ptr<TransportGroup> group;
};

struct SpmdRunResult {
  SamplingResult sampling;  // sample on devices[0]
  std::string transport;    // "copy" or "nccl"
};

// NCCL between distinct GPUs when gpu/ is linked in, otherwise the copy transport.
std::shared_ptr<TransportGroup> make_transport_group(const std::vector<torch::Device>& devices, bool force_copy);

// Throws the first worker's error (Cancelled when cancelled); every worker has stopped and
// released its resources when it returns.
SpmdRunResult run_spmd(const SpmdRunRequest& request);

}  // namespace drf
