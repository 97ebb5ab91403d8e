// The engine facade: the only core header ui/ and app/ need. Plain C++ in, plain C++ out;
// every exception is caught here and turned into a Failed event plus a thrown drf::Error
// for callers that want one (the CLI maps its kind to an exit code).
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/engine/events.h"
#include "core/engine/model_summary.h"
#include "core/engine/result.h"
#include "core/engine/settings.h"

namespace drf {

struct DeviceInfo {
  int index = -1;         // -1 = CPU
  std::string name;       // "NVIDIA H200" or "CPU (2 threads)"
  std::size_t memory_total = 0;
  std::size_t memory_free = 0;
};

using JobObserver = std::function<void(const JobEvent&)>;

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs one generation to the end on the calling thread. Emits Started .. Finished, or
  // Cancelled / Failed; on Failed or Cancelled it also throws the drf::Error.
  GenerationResult generate(const GenerationSettings& settings, const JobObserver& observer,
                            const std::atomic<bool>* cancel = nullptr);

  ModelSummary describe_model(const std::string& source, const std::string& tokenizer_dir = "");
  static std::vector<DeviceInfo> devices();
  void release_models();  // frees cached models (and their device memory)
  // Drops the per-device accelerated denoisers (captured CUDA graphs and their memory pools)
  // but keeps the weights: the next job captures again. Lets a benchmark measure each
  // configuration's own memory rather than that of every shape captured before it.
  void release_captured_graphs();
  // Returns the allocator's unused cached blocks to the driver (no-op without a GPU).
  void release_cached_memory();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drf
