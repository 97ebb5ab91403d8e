#include "core/engine/loaded_model.h"

#include "core/engine/denoiser_accelerator.h"

namespace drf {

std::shared_ptr<Denoiser> LoadedModel::denoiser_for(const torch::Device& device) {
  auto it = denoisers_.find(device.str());
  if (it != denoisers_.end()) return it->second;
  auto d = accelerate_denoiser(pipeline_->replicate_denoiser(device), device);
  denoisers_.emplace(device.str(), d);
  return d;
}

}  // namespace drf
