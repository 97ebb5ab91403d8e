#include "core/engine/engine.h"

#include <chrono>
#include <map>
#include <mutex>

#include "core/engine/cpu_threads.h"
#include "core/engine/denoiser_accelerator.h"
#include "core/engine/generation_job.h"
#include "core/engine/loaded_model.h"
#include "core/engine/pipeline.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {

struct Engine::Impl {
  std::mutex mutex;  // one job at a time per engine
  std::map<std::string, std::shared_ptr<LoadedModel>> cache;
  std::shared_ptr<LoadedModel> model_for(const PipelineRequest& r) {
    const std::string key = r.source + "|" + r.tokenizer_dir + "|" + r.device.str() + "|" +
                            std::string(c10::toString(r.dtype)) + "|" + r.vae + "|" + r.t5_device + "|" +
                            format_lora_list(r.loras);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    // Keep one model resident: a second one would double device memory for no benefit. A model
    // the running job still holds stays (a base model while its job loads the refiner).
    for (auto i = cache.begin(); i != cache.end();) i = i->second.use_count() > 1 ? std::next(i) : cache.erase(i);
    auto m = std::make_shared<LoadedModel>(std::shared_ptr<Pipeline>(load_pipeline(r)));
    cache.emplace(key, m);
    return m;
  }
};

// Every front end (CLI commands, GUI, driffusion-train bench) makes an Engine before its CPU
// work: LibTorch's thread pool is sized here.
Engine::Engine() : impl_(std::make_unique<Impl>()) { configure_cpu_threads(); }
Engine::~Engine() = default;

GenerationResult Engine::generate(const GenerationSettings& settings, const JobObserver& observer,
                                  const std::atomic<bool>* cancel) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  GenerationJob job(settings, observer, cancel,
                    [this](const PipelineRequest& r) { return impl_->model_for(r); });
  return job.run();
}

ModelSummary Engine::describe_model(const std::string& source, const std::string& tokenizer_dir) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  PipelineRequest r;
  r.source = source;
  r.tokenizer_dir = tokenizer_dir;
  try {
    // Reuse a model already loaded for generation (any device) instead of loading it again.
    // Every family's scheduler config may name LCMScheduler: the summary says so for all of them.
    auto describe = [](Pipeline& p) {
      ModelSummary s = p.summary();
      s.consistency_distilled = p.schedule_config().consistency_distilled;
      return s;
    };
    for (auto& [key, model] : impl_->cache)
      if (key.rfind(source + "|" + tokenizer_dir + "|", 0) == 0) return describe(model->pipeline());
    return describe(impl_->model_for(r)->pipeline());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError("cannot load model '" + source + "': " + e.what());
  }
}

void Engine::release_captured_graphs() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto& [key, model] : impl_->cache) model->release_denoisers();
  release_cached_device_memory();
}

void Engine::release_cached_memory() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  release_cached_device_memory();
}

void Engine::release_models() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->cache.clear();
}

}  // namespace drf
