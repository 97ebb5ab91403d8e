// The one list of model families. A family is a folder under core/models/ that defines two
// functions, and one line here that names them:
//   ModelFamily   <x>_family()          what the application knows about it, plain C++
//                                       (model_family.h: detection, sizes, VAE constants...)
//   FamilyBuilder <y>_family_builder()  how its pipelines are made, LibTorch (family_builder.h)
// The registry, core/models/model_families.h's model_families() and family_builders.h's
// family_builders(), is generated from this list, in this order, which is the detection order:
// most specific first (an SD3 folder also has SDXL's text_encoder_2/). The family folders and
// this header sit in the build area models_families, the registry above them in models
// (core/CMakeLists.txt): a family never reads the registry, the registry names every family.
// A builder may serve several families (SD 1.x and 2.x share one loader, SDXL base and refiner
// another). docs/sdxl.md, "Adding a family".
#pragma once

namespace drf {

struct ModelFamily;
struct FamilyBuilder;

// clang-format off
#define DRIFFUSION_MODEL_FAMILIES(FAMILY)                                                         \
  FAMILY(sd3_family,          sd3_family_builder)      /* core/models/sd3/     */                 \
  FAMILY(sdxl_family,         sdxl_family_builder)     /* core/models/sdxl/    */                 \
  FAMILY(sdxl_refiner_family, sdxl_family_builder)     /* core/models/sdxl/    */                 \
  FAMILY(sd2_family,          sd_family_builder)       /* core/models/sd/      */                 \
  FAMILY(sd1_family,          sd_family_builder)       /* core/models/sd/      */                 \
  FAMILY(emoji_pixel_family,  builtin_family_builder)  /* core/models/builtin/ */                 \
  FAMILY(analytic_family,     analytic_family_builder) /* core/models/analytic/ (core/analytic) */
// clang-format on

// Declarations of every function the list names (a builder named twice is declared twice).
#define DRIFFUSION_DECLARE_MODEL_FAMILY(describe, build) \
  ModelFamily describe();                                \
  FamilyBuilder build();
DRIFFUSION_MODEL_FAMILIES(DRIFFUSION_DECLARE_MODEL_FAMILY)

}  // namespace drf
