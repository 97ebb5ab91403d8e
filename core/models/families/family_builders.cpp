#include "core/models/families/family_builders.h"

#include <algorithm>

#include "core/util/errors.h"

namespace drf {

// Each family's builder, defined in its own folder (core/models/<family>/<family>_family_builder.cpp
// or core/models/families/ for the families whose code predates the folders).
FamilyBuilder sd_family_builder();        // sd1, sd2 (core/models/sd/sd_family_builder.cpp)
FamilyBuilder sdxl_family_builder();      // sdxl, sdxl-refiner (core/models/sdxl/sdxl_family_builder.cpp)
FamilyBuilder sd3_family_builder();       // sd3 (core/models/sd3/sd3_family_builder.cpp)
FamilyBuilder builtin_family_builder();   // emoji-pixel (core/models/builtin/builtin_family_builder.cpp)
FamilyBuilder analytic_family_builder();  // analytic (core/models/families/analytic_family_builder.cpp)

namespace {

std::vector<std::pair<std::string, FamilyBuilder>> make_builders() {
  std::vector<std::pair<std::string, FamilyBuilder>> b;
  // One line per family id (a builder may serve several ids).
  b.emplace_back("sd3", sd3_family_builder());
  b.emplace_back("sdxl", sdxl_family_builder());
  b.emplace_back("sdxl-refiner", sdxl_family_builder());
  b.emplace_back("sd2", sd_family_builder());
  b.emplace_back("sd1", sd_family_builder());
  b.emplace_back("emoji-pixel", builtin_family_builder());
  b.emplace_back("analytic", analytic_family_builder());
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
