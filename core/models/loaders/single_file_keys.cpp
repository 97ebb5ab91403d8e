#include "core/models/loaders/single_file_keys.h"

#include <set>

#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf {

std::vector<std::string> single_file_parameter_names(const torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& p : m.named_parameters(true)) out.push_back(p.key());
  return out;
}

void check_single_file_keys(const WeightSource& file, const std::string& prefix,
                            const std::map<std::string, KeyMapping>& map,
                            const std::function<bool(const std::string&)>& ignorable, const std::string& component) {
  std::set<std::string> used;
  for (const auto& kv : map) used.insert(kv.second.source_key);
  for (const auto& n : file.names()) {
    if (!starts_with(n, prefix) || used.count(n) || (ignorable && ignorable(n))) continue;
    throw InputError(file.describe() + " (" + component + "): unexpected tensor '" + n +
                     "': the file does not match the detected architecture");
  }
}

}  // namespace drf
