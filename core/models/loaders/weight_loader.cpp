#include "core/models/loaders/weight_loader.h"

#include <set>
#include <sstream>

#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf {
namespace {

std::string shape_text(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (std::size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

}  // namespace

WeightLoadReport load_weights(torch::nn::Module& module, const WeightSource& source, torch::Dtype dtype,
                              const torch::Device& device, const WeightLoadOptions& o) {
  const std::string who = source.describe() + (o.component.empty() ? "" : " (" + o.component + ")");
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : module.named_parameters(true)) targets.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) targets.emplace_back(b.key(), b.value());

  // Check everything first: nothing is loaded from a file that would fail half-way.
  std::set<std::string> used;
  for (const auto& [name, tensor] : targets) {
    const std::string key = o.prefix + name;
    if (!source.contains(key))
      throw InputError(who + ": tensor " + source.display_name(key) + " is missing (expected shape " +
                       shape_text(tensor.sizes().vec()) + ")");
    const auto stored = source.shape(key);
    if (stored != tensor.sizes().vec())
      throw InputError(who + ": tensor " + source.display_name(key) + " has shape " + shape_text(stored) +
                       ", expected " + shape_text(tensor.sizes().vec()));
    if (!source.is_floating(key))
      throw InputError(who + ": tensor " + source.display_name(key) + " is not stored as floating point");
    used.insert(key);
  }
  if (o.reject_unexpected) {
    for (const auto& key : source.names()) {
      if (!starts_with(key, o.prefix) || used.count(key)) continue;
      if (o.ignorable && o.ignorable(key)) continue;
      throw InputError(who + ": unexpected tensor " + source.display_name(key) +
                       ": the file does not match this architecture (wrong model type or config.json?)");
    }
  }

  torch::NoGradGuard no_grad;
  WeightLoadReport report;
  for (auto& [name, tensor] : targets) {
    tensor.set_data(source.load(o.prefix + name, dtype, device));
    ++report.tensors;
    report.elements += tensor.numel();
  }
  return report;
}

std::map<std::string, torch::Tensor> module_state(const torch::nn::Module& module, const std::string& prefix) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(true)) out[prefix + p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[prefix + b.key()] = b.value();
  return out;
}

}  // namespace drf
