#include "core/models/loaders/lora_merge.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/io/safetensors_reader.h"
#include "core/models/loaders/lora_file.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"
#include "core/util/utf8.h"

namespace drf {
namespace {

// A network's weights by module path, and by that path with '_' for '.' (kohya's names).
struct LoraWeightIndex {
  const LoraModule* module = nullptr;
  std::map<std::string, torch::Tensor> weights;    // "down_blocks.0.resnets.0.conv1" -> its weight
  std::map<std::string, std::string> underscored;  // "down_blocks_0_resnets_0_conv1" -> the path
};

LoraWeightIndex lora_weight_index(const LoraModule& m) {
  LoraWeightIndex ix;
  ix.module = &m;
  const std::string suffix = ".weight";
  for (const auto& p : m.module->named_parameters(true)) {
    if (!ends_with(p.key(), suffix)) continue;
    const std::string path = p.key().substr(0, p.key().size() - suffix.size());
    ix.weights.emplace(path, p.value());
    std::string u = path;
    std::replace(u.begin(), u.end(), '.', '_');
    ix.underscored.emplace(u, path);
  }
  for (const auto& [alias, path] : m.aliases)
    if (ix.weights.count(path)) ix.underscored.emplace(alias, path);
  return ix;
}

struct LoraTarget {
  const LoraWeightIndex* index = nullptr;
  std::string path;
};

class LoraResolver {
 public:
  LoraResolver(const std::string& file, const std::vector<LoraModule>& modules) : file_(file) {
    for (const auto& m : modules) indexes_.push_back(lora_weight_index(m));
  }

  LoraTarget resolve(const LoraLayer& l) const {
    return l.underscored ? resolve_underscored(l.target) : resolve_dotted(l.target);
  }

 private:
  const LoraWeightIndex* find(const std::string& component) const {
    for (const auto& ix : indexes_)
      if (ix.module->component == component) return &ix;
    return nullptr;
  }

  [[noreturn]] void no_network(const std::string& layer, const std::string& component) const {
    throw InputError(file_ + ": layer '" + printable_excerpt(layer) + "' is for a " + component +
                     ", which this model does not have (a LoRA for another model family?)");
  }

  [[noreturn]] void no_layer(const std::string& layer, const LoraWeightIndex& ix) const {
    throw InputError(file_ + ": layer '" + printable_excerpt(layer) + "' names no layer of this model's " +
                     ix.module->component + " (a LoRA for another model family?)");
  }

  LoraTarget resolve_underscored(const std::string& name) const {
    for (const auto& [prefix, components] : kohya_network_prefixes()) {
      if (!starts_with(name, prefix)) continue;
      const std::string rest = name.substr(prefix.size());
      const LoraWeightIndex* first = nullptr;
      for (const auto& c : components) {
        const LoraWeightIndex* ix = find(c);
        if (!ix) continue;
        if (!first) first = ix;
        const auto it = ix->underscored.find(rest);
        if (it != ix->underscored.end()) return {ix, it->second};
      }
      if (!first) no_network(name, components.front());
      no_layer(name, *first);
    }
    throw InputError(
        file_ + ": layer '" + printable_excerpt(name) +
        "' starts with no known network prefix (lora_unet_, lora_te_, lora_te1_, lora_te2_, lora_transformer_)");
  }

  LoraTarget resolve_dotted(const std::string& name) const {
    std::string component, path = name;
    for (const auto& c : lora_component_names())
      if (starts_with(name, c + ".")) {
        component = c;
        path = name.substr(component.size() + 1);
      }
    // Without a component the layer is the denoiser's (diffusers' attention-processor files).
    const LoraWeightIndex* ix = component.empty() ? &indexes_.front() : find(component);
    if (!ix) no_network(name, component);
    if (!ix->weights.count(path)) no_layer(name, *ix);
    return {ix, path};
  }

  std::string file_;
  std::vector<LoraWeightIndex> indexes_;
};

std::string lora_shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t lora_numel(const std::vector<int64_t>& s, std::size_t from) {
  int64_t p = 1;
  for (std::size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

// The factors must multiply to the weight's shape: up [out, rank(, 1, 1)], down [rank, in(, k, k)].
void check_lora_shapes(const SafetensorsFile& f, const LoraLayer& l, const torch::Tensor& weight) {
  const auto down = f.shape(l.down_key), up = f.shape(l.up_key);
  const auto w = weight.sizes().vec();
  const bool ok = down.size() >= 2 && up.size() >= 2 && down[0] > 0 && up[1] == down[0] && lora_numel(up, 2) == 1 &&
                  up[0] == w[0] && lora_numel(down, 1) == lora_numel(w, 1);
  if (!ok)
    throw InputError(f.path() + ": layer '" + printable_excerpt(l.target) + "': factors " + lora_shape_text(up) +
                     " x " + lora_shape_text(down) + " do not make the weight's shape " + lora_shape_text(w));
  if (!l.alpha_key.empty() && lora_numel(f.shape(l.alpha_key), 0) != 1)
    throw InputError(f.path() + ": '" + printable_excerpt(l.alpha_key) + "' must hold one number, it has shape " +
                     lora_shape_text(f.shape(l.alpha_key)));
}

// diffusers' PEFT files keep alpha in the safetensors metadata, not in tensors:
// __metadata__["lora_adapter_metadata"] = JSON of PEFT's LoraConfig, its keys prefixed with the
// component ("unet.lora_alpha") when a pipeline saved several networks.
class PeftMetadata {
 public:
  explicit PeftMetadata(const SafetensorsFile& f) : file_(f.path()) {
    const auto it = f.metadata().find("lora_adapter_metadata");
    if (it == f.metadata().end()) return;
    json_ = nlohmann::json::parse(it->second, nullptr, false);
    if (!json_.is_object()) throw InputError(file_ + ": its metadata 'lora_adapter_metadata' is not a JSON object");
  }

  // The scale of a layer of `component` with `rank` that has no .alpha tensor.
  double scale(const std::string& component, int64_t rank) const {
    if (!json_.is_object()) return 1.0;
    const nlohmann::json* alpha = field(component, "lora_alpha");
    if (const nlohmann::json* dora = field(component, "use_dora"); dora && *dora == true)
      throw InputError(file_ + ": a DoRA adapter (use_dora), which cannot be merged as a LoRA");
    if (const nlohmann::json* pattern = field(component, "alpha_pattern"); pattern && !pattern->empty())
      throw InputError(file_ + ": per-layer alphas (alpha_pattern in its metadata) are not supported");
    if (!alpha) return 1.0;
    if (!alpha->is_number() || !std::isfinite(alpha->get<double>()))
      throw InputError(file_ + ": its metadata's lora_alpha is not a number");
    const nlohmann::json* rslora = field(component, "use_rslora");
    const double r = static_cast<double>(rank);
    return alpha->get<double>() / (rslora && *rslora == true ? std::sqrt(r) : r);
  }

 private:
  const nlohmann::json* field(const std::string& component, const std::string& key) const {
    for (const std::string& k : {component + "." + key, key}) {
      const auto it = json_.find(k);
      if (it != json_.end() && !it->is_null()) return &*it;
    }
    return nullptr;
  }

  std::string file_;
  nlohmann::json json_;
};

}  // namespace

std::string lora_note(const std::string& path, double strength) {
  std::string note = "LoRA " + std::filesystem::path(path).filename().string();
  if (strength != 1.0) note += " x" + shortest_number_text(strength);
  return note;
}

std::string LoraMergeReport::summary() const {
  std::string out;
  for (const auto& [component, n] : layers) out += (out.empty() ? "" : ", ") + component + " " + std::to_string(n);
  return out;
}

LoraMergeReport merge_lora_file(const std::string& path, double strength, const std::vector<LoraModule>& modules) {
  if (modules.empty()) throw UsageError("this model takes no LoRA");
  if (!std::isfinite(strength)) throw UsageError("LoRA strength must be a finite number");
  const SafetensorsFile file(path);
  const auto layers = read_lora_layers(file);
  const LoraResolver resolver(path, modules);
  const PeftMetadata peft(file);

  // Every target and shape first: a file that does not fit changes nothing.
  std::vector<std::pair<const LoraLayer*, LoraTarget>> plan;
  std::set<std::pair<const LoraWeightIndex*, std::string>> seen;
  for (const auto& l : layers) {
    const LoraTarget t = resolver.resolve(l);
    if (!seen.insert({t.index, t.path}).second)
      throw InputError(path + ": two layers of the file change " + t.index->module->component + " '" + t.path + "'");
    check_lora_shapes(file, l, t.index->weights.at(t.path));
    plan.emplace_back(&l, t);
  }

  LoraMergeReport report;
  torch::NoGradGuard no_grad;
  for (const auto& [l, t] : plan) {
    ++report.layers[t.index->module->component];
    if (strength == 0) continue;
    torch::Tensor weight = t.index->weights.at(t.path);
    const auto device = weight.device();
    const auto down = file.tensor(l->down_key, torch::kFloat32, device);
    const auto up = file.tensor(l->up_key, torch::kFloat32, device);
    const int64_t rank = down.size(0);
    double scale = strength;
    if (!l->alpha_key.empty()) {
      double alpha = file.tensor(l->alpha_key, torch::kFloat64).reshape({-1})[0].item<double>();
      if (alpha == 0) alpha = static_cast<double>(rank);  // kohya's scripts: alpha 0 means "no scaling"
      scale *= alpha / static_cast<double>(rank);
    } else {
      scale *= peft.scale(t.index->module->component, rank);
    }
    const auto delta = up.reshape({up.size(0), rank}).mm(down.reshape({rank, -1})).mul_(scale).view(weight.sizes());
    const auto merged = (weight.to(torch::kFloat32) + delta).to(weight.scalar_type());
    if (!torch::isfinite(merged).all().item<bool>())
      throw InputError(path + ": layer '" + printable_excerpt(l->target) + "' makes " + t.index->module->component +
                       " '" + t.path + "' non-finite (NaN or Inf in its factors, or too large for " +
                       std::string(c10::toString(weight.scalar_type())) + ")");
    weight.copy_(merged);
  }
  return report;
}

}  // namespace drf
