#include "core/engine/loaded_model.h"

#include "core/engine/denoiser_accelerator.h"
#include "core/engine/spmd_runner.h"

namespace drf {

std::shared_ptr<Denoiser> LoadedModel::denoiser_for(const torch::Device& device) {
  auto it = denoisers_.find(device.str());
  if (it != denoisers_.end()) return it->second;
  auto d = accelerate_denoiser(pipeline_->replicate_denoiser(device), device);
  denoisers_.emplace(device.str(), d);
  return d;
}

std::shared_ptr<TransportGroup> LoadedModel::transport_group(const std::vector<torch::Device>& devices) {
  std::string key;
  for (const auto& d : devices) key += d.str() + ",";
  if (!group_ || key != group_key_ || group_->barrier().aborted()) {
    group_.reset();  // release the old communicators before making new ones
    group_ = make_transport_group(devices, /*force_copy=*/false);
    group_key_ = key;
  }
  return group_;
}

}  // namespace drf
