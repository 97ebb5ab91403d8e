// The built-in pixel-space emoji model in the model-family registry (plain C++).
#include "core/models/families/family_list.h"
#include "core/models/families/model_family.h"

namespace drf {

ModelFamily emoji_pixel_family() {
  ModelFamily m;
  m.id = "emoji-pixel";
  m.display_name = "Built-in pixel-space model";
  m.architectures = {"emoji-pixel"};
  m.native_size = 64;
  return m;
}

}  // namespace drf
