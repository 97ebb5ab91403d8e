#include "core/sampling/conditioning.h"

#include "core/util/errors.h"

namespace drf {

std::vector<std::pair<std::string, torch::Tensor>> ConditioningTensors::named() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  if (context.defined()) out.emplace_back("context", context);
  if (pooled.defined()) out.emplace_back("pooled", pooled);
  if (time_ids.defined()) out.emplace_back("time_ids", time_ids);
  for (const auto& [name, t] : extras)
    if (t.defined()) out.emplace_back("extra:" + name, t);
  return out;
}

ConditioningTensors ConditioningTensors::map(const std::function<torch::Tensor(const torch::Tensor&)>& f) const {
  ConditioningTensors out;
  if (context.defined()) out.context = f(context);
  if (pooled.defined()) out.pooled = f(pooled);
  if (time_ids.defined()) out.time_ids = f(time_ids);
  for (const auto& [name, t] : extras)
    if (t.defined()) out.extras[name] = f(t);
  return out;
}

ConditioningTensors ConditioningTensors::to(const torch::Device& device) const {
  return map([&](const torch::Tensor& t) { return t.to(device); });
}

ConditioningTensors ConditioningTensors::to(torch::Dtype dtype) const {
  return map([&](const torch::Tensor& t) { return t.is_floating_point() ? t.to(dtype) : t; });
}

ConditioningTensors ConditioningTensors::repeat_rows(int64_t k) const {
  return map([&](const torch::Tensor& t) {
    std::vector<int64_t> rep(static_cast<std::size_t>(t.dim()), 1);
    rep[0] = k;
    return t.repeat(rep);
  });
}

ConditioningTensors ConditioningTensors::narrow_rows(int64_t first, int64_t n) const {
  return map([&](const torch::Tensor& t) { return t.narrow(0, first, n); });
}

ConditioningTensors ConditioningTensors::zip(
    const std::vector<ConditioningTensors>& parts,
    const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& combine) {
  if (parts.empty()) return {};
  std::map<std::string, std::vector<torch::Tensor>> fields;
  for (const auto& [name, t] : parts.front().named()) fields[name];
  for (const auto& p : parts) {
    const auto named_tensors = p.named();
    if (named_tensors.size() != fields.size())
      throw Error(ErrorKind::Internal, "conditioning parts differ in which tensors they define");
    for (const auto& [name, t] : named_tensors) {
      auto it = fields.find(name);
      if (it == fields.end()) throw Error(ErrorKind::Internal, "conditioning parts differ in defining '" + name + "'");
      it->second.push_back(t);
    }
  }
  ConditioningTensors out;
  for (auto& [name, ts] : fields) {
    auto joined = combine(ts);
    if (name == "context") out.context = joined;
    else if (name == "pooled") out.pooled = joined;
    else if (name == "time_ids") out.time_ids = joined;
    else out.extras[name.substr(std::string("extra:").size())] = joined;
  }
  return out;
}

ConditioningTensors ConditioningTensors::cat(const std::vector<ConditioningTensors>& parts) {
  return zip(parts, [](const std::vector<torch::Tensor>& ts) { return torch::cat(ts); });
}

Conditioning Conditioning::to(const torch::Device& device) const {
  Conditioning out = *this;
  out.cond = cond.to(device);
  out.uncond = uncond.to(device);
  return out;
}

}  // namespace drf
