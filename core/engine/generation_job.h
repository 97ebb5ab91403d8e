// One generation from settings to image: the job boundary where every exception becomes a
// Failed (or Cancelled) event. Engine::generate runs one of these on the caller's thread.
#pragma once
#include <atomic>
#include <functional>
#include <memory>

#include "core/engine/engine.h"
#include "core/engine/loaded_model.h"
#include "core/engine/pipeline.h"
#include "core/util/errors.h"

namespace drf {

using ModelProvider = std::function<std::shared_ptr<LoadedModel>(const PipelineRequest&)>;

class GenerationJob {
 public:
  GenerationJob(GenerationSettings settings, JobObserver observer, const std::atomic<bool>* cancel,
                ModelProvider provider)
      : settings_(std::move(settings)), observer_(std::move(observer)), cancel_(cancel), provider_(std::move(provider)) {}
  // Emits events and returns the result; throws drf::Error (after emitting Failed/Cancelled).
  GenerationResult run();

 private:
  GenerationResult run_unguarded();
  void emit(const JobEvent& e) const {
    if (observer_) observer_(e);
  }
  void check_cancel() const;

  GenerationSettings settings_;
  JobObserver observer_;
  const std::atomic<bool>* cancel_;
  ModelProvider provider_;
  std::chrono::steady_clock::time_point start_;
};

// Maps a LibTorch/CUDA error to a drf::Error: out-of-memory and CUDA/NCCL failures become
// DeviceError with advice, the rest Internal.
Error translate_torch_error(const std::exception& e, const std::string& device);

}  // namespace drf
