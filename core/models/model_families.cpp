#include "core/models/model_families.h"

#include <algorithm>

#include "core/models/families/family_list.h"

namespace drf {
namespace {

// One descriptor per line of the family list (core/models/families/family_list.h), each defined
// in its family's folder, in the list's order.
std::vector<ModelFamily> make_families() {
  std::vector<ModelFamily> f;
#define DRIFFUSION_COLLECT_MODEL_FAMILY(describe, build) f.push_back(describe());
  DRIFFUSION_MODEL_FAMILIES(DRIFFUSION_COLLECT_MODEL_FAMILY)
#undef DRIFFUSION_COLLECT_MODEL_FAMILY
  return f;
}

}  // namespace

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = make_families();
  return families;
}

const ModelFamily* family_of_architecture(const std::string& architecture) {
  for (const auto& f : model_families())
    if (std::find(f.architectures.begin(), f.architectures.end(), architecture) != f.architectures.end()) return &f;
  return nullptr;
}

const ModelFamily* family_of_pipeline_class(const std::string& class_name) {
  for (const auto& f : model_families())
    if (std::find(f.pipeline_classes.begin(), f.pipeline_classes.end(), class_name) != f.pipeline_classes.end())
      return &f;
  return nullptr;
}

const ModelFamily* family_of_checkpoint(const std::function<bool(const std::string&)>& has_key) {
  for (const auto& f : model_families())
    if (has_single_file_keys(f, has_key)) return &f;
  return nullptr;
}

std::vector<RandomModel> all_random_models() {
  std::vector<RandomModel> out;
  for (const auto& f : model_families()) out.insert(out.end(), f.random_models.begin(), f.random_models.end());
  return out;
}

bool is_random_model(const std::string& source) {
  for (const auto& m : all_random_models())
    if (m.source == source) return true;
  return false;
}

}  // namespace drf
