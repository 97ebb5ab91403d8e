// The Pipeline interface's out-of-line member. It sits in the engine_api library with the
// interface, below the model families that implement Pipeline (their vtables need this
// definition), not with load_pipeline in the engine proper (core/CMakeLists.txt).
#include "core/engine/pipeline.h"

#include "core/util/errors.h"

namespace drf {

void Pipeline::replace_vae(const std::string& path) {
  throw UsageError("cannot use the VAE '" + path + "': " + summary().name + " has no VAE to replace");
}

std::string Pipeline::apply_lora(const std::string& path, double strength) {
  (void)strength;
  throw UsageError("cannot use the LoRA '" + path + "': " + summary().name + " has no weights a LoRA could change");
}

}  // namespace drf
