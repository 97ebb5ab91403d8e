// A loaded pipeline plus its per-device denoisers (replicas wrapped by the accelerator, e.g.
// CUDA graphs), kept by the engine across jobs so graphs are captured once per shape.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "core/engine/pipeline.h"

namespace drf {

class LoadedModel {
 public:
  explicit LoadedModel(std::shared_ptr<Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}
  Pipeline& pipeline() { return *pipeline_; }
  std::shared_ptr<Pipeline> shared_pipeline() { return pipeline_; }
  std::shared_ptr<Denoiser> denoiser_for(const torch::Device& device);

 private:
  std::shared_ptr<Pipeline> pipeline_;
  std::map<std::string, std::shared_ptr<Denoiser>> denoisers_;
};

}  // namespace drf
