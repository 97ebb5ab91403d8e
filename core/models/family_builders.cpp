#include "core/models/family_builders.h"

#include <algorithm>

#include "core/models/families/family_list.h"
#include "core/models/model_families.h"
#include "core/util/errors.h"

namespace drf {

namespace {

// One (family id, builder) pair per line of the family list (core/models/families/family_list.h),
// in its order; the id is the one the family's descriptor carries.
std::vector<std::pair<std::string, FamilyBuilder>> make_builders() {
  std::vector<std::pair<std::string, FamilyBuilder>> b;
#define DRIFFUSION_COLLECT_FAMILY_BUILDER(describe, build) b.emplace_back(describe().id, build());
  DRIFFUSION_MODEL_FAMILIES(DRIFFUSION_COLLECT_FAMILY_BUILDER)
#undef DRIFFUSION_COLLECT_FAMILY_BUILDER
  const auto fallbacks = std::count_if(b.begin(), b.end(), [](const auto& p) { return p.second.fallback; });
  // sd1 and sd2 share one builder: both entries carry its fallback flag, which is one loader.
  if (fallbacks == 0) throw Error(ErrorKind::Internal, "no fallback family builder is registered");
  return b;
}

}  // namespace

const std::vector<std::pair<std::string, FamilyBuilder>>& family_builders() {
  static const std::vector<std::pair<std::string, FamilyBuilder>> builders = make_builders();
  return builders;
}

const FamilyBuilder* family_builder(const std::string& family_id) {
  for (const auto& p : family_builders())
    if (p.first == family_id) return &p.second;
  return nullptr;
}

}  // namespace drf
