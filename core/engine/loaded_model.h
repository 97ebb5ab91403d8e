// A loaded pipeline plus its per-device denoisers (replicas wrapped by the accelerator, e.g.
// CUDA graphs), kept by the engine across jobs so graphs are captured once per shape.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/engine/conditioning_cache.h"
#include "core/engine/pipeline.h"
#include "core/engine/transport.h"

namespace drf {

class LoadedModel {
 public:
  explicit LoadedModel(std::shared_ptr<Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}
  Pipeline& pipeline() { return *pipeline_; }
  std::shared_ptr<Pipeline> shared_pipeline() { return pipeline_; }
  std::shared_ptr<Denoiser> denoiser_for(const torch::Device& device);
  void release_denoisers() { denoisers_.clear(); }
  // The transport group for runs over `devices`, kept across jobs (NCCL communicators take
  // hundreds of milliseconds to set up); a group aborted by a failed run is replaced.
  std::shared_ptr<TransportGroup> transport_group(const std::vector<torch::Device>& devices);
  // This model's text conditioning of recent prompts (conditioning_cache.h).
  ConditioningCache& text_conditioning() { return text_conditioning_; }

 private:
  std::shared_ptr<Pipeline> pipeline_;
  std::map<std::string, std::shared_ptr<Denoiser>> denoisers_;
  std::string group_key_;
  std::shared_ptr<TransportGroup> group_;  // one set of devices at a time
  ConditioningCache text_conditioning_;
};

}  // namespace drf
