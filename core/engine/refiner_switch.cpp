#include "core/engine/refiner_switch.h"

#include <cmath>

#include "core/util/errors.h"

namespace drf {
namespace {
const std::string kPrefix = "refiner.";
}

double refiner_switch_timestep(double fraction, int num_train_timesteps) {
  return std::round(num_train_timesteps - fraction * num_train_timesteps);
}

ConditioningTensors with_refiner_conditioning(const ConditioningTensors& base, const ConditioningTensors& refiner) {
  ConditioningTensors both = base;
  for (const auto& [name, tensor] : refiner.named()) {
    if (both.extras.count(kPrefix + name)) throw Error(ErrorKind::Internal, "conditioning already holds refiner." + name);
    both.extras[kPrefix + name] = tensor;
  }
  return both;
}

Conditioning with_refiner_conditioning(const Conditioning& base, const Conditioning& refiner) {
  if (base.uncond.defined() != refiner.uncond.defined())
    throw Error(ErrorKind::Internal, "base and refiner conditioning differ in guidance");
  Conditioning both;
  both.guidance = base.guidance;
  both.cond = with_refiner_conditioning(base.cond, refiner.cond);
  if (base.uncond.defined()) both.uncond = with_refiner_conditioning(base.uncond, refiner.uncond);
  return both;
}

ConditioningTensors base_part(const ConditioningTensors& both) {
  ConditioningTensors b = both;
  for (auto it = b.extras.begin(); it != b.extras.end();)
    it = it->first.rfind(kPrefix, 0) == 0 ? b.extras.erase(it) : std::next(it);
  return b;
}

ConditioningTensors refiner_part(const ConditioningTensors& both) {
  ConditioningTensors r;
  for (const auto& [name, tensor] : both.extras) {
    if (name.rfind(kPrefix, 0) != 0) continue;
    const std::string field = name.substr(kPrefix.size());
    if (field == "context") r.context = tensor;
    else if (field == "pooled") r.pooled = tensor;
    else if (field == "time_ids") r.time_ids = tensor;
    else r.extras[field] = tensor;
  }
  if (!r.defined()) throw Error(ErrorKind::Internal, "the conditioning carries no refiner context");
  return r;
}

RefinerSwitchDenoiser::RefinerSwitchDenoiser(std::shared_ptr<Denoiser> base, std::shared_ptr<Denoiser> refiner,
                                             double switch_timestep)
    : base_(std::move(base)), refiner_(std::move(refiner)), switch_timestep_(switch_timestep) {
  if (base_->prediction_type() != refiner_->prediction_type())
    throw UsageError(std::string("the refiner predicts ") + prediction_type_name(refiner_->prediction_type()) +
                     " but the base model " + prediction_type_name(base_->prediction_type()) +
                     ": they cannot share one schedule");
}

torch::Tensor RefinerSwitchDenoiser::forward(const torch::Tensor& x, const torch::Tensor& t,
                                             const ConditioningTensors& c) {
  const torch::Tensor on_base = t.ge(switch_timestep_);
  const int64_t n_base = on_base.sum().item<int64_t>();
  if (n_base == t.size(0)) return base_->forward(x, t, base_part(c));
  if (n_base == 0) return refiner_->forward(x, t, refiner_part(c));
  // Rows on both sides: each network sees only its rows, the outputs go back in row order.
  const torch::Tensor bi = on_base.nonzero().flatten(), ri = on_base.logical_not().nonzero().flatten();
  auto rows = [](const ConditioningTensors& k, const torch::Tensor& idx) {
    return k.map([&](const torch::Tensor& v) { return v.index_select(0, idx.to(v.device())); });
  };
  const torch::Tensor yb = base_->forward(x.index_select(0, bi), t.index_select(0, bi), rows(base_part(c), bi));
  const torch::Tensor yr = refiner_->forward(x.index_select(0, ri), t.index_select(0, ri), rows(refiner_part(c), ri));
  std::vector<int64_t> shape = yb.sizes().vec();
  shape[0] = x.size(0);
  torch::Tensor out = torch::empty(shape, yb.options());
  out.index_copy_(0, bi, yb);
  out.index_copy_(0, ri, yr.to(yb.scalar_type()));
  return out;
}

}  // namespace drf
