// The analytic Gaussian mixture (core/analytic) in the model-family registry (plain C++).
#include "core/models/families/family_list.h"
#include "core/models/families/model_family.h"

namespace drf {

ModelFamily analytic_family() {
  ModelFamily m;
  m.id = "analytic";
  m.display_name = "Analytic Gaussian mixture";
  m.architectures = {"analytic-gmm"};
  m.native_size = 128;
  return m;
}

}  // namespace drf
