// What every single-file checkpoint loader (SD 1.x/2.x, SDXL, SD3) does around its own key maps:
// list a built module's parameter names (the names a key map is made for), and check that the
// file holds nothing under a component's prefix that the map does not read, so that a file of
// another architecture whose keys happen to cover ours is refused instead of half-loaded.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/loaders/weight_source.h"

namespace drf {

// The module's parameter names (recursively, diffusers names as our modules use them).
std::vector<std::string> single_file_parameter_names(const torch::nn::Module& m);

// Every key of `file` under `prefix` must be a source key of `map` or be `ignorable` (may be
// empty); InputError naming the file, the component and the first unexpected tensor otherwise.
void check_single_file_keys(const WeightSource& file, const std::string& prefix,
                            const std::map<std::string, KeyMapping>& map,
                            const std::function<bool(const std::string&)>& ignorable, const std::string& component);

}  // namespace drf
