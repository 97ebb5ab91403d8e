// Stable Diffusion 3 / 3.5 in the model-family registry (plain C++: the GUI reads it too).
#include "core/models/families/family_list.h"
#include "core/models/families/model_family.h"

namespace drf {

ModelFamily sd3_family() {
  ModelFamily m;
  m.id = "sd3";
  m.display_name = "Stable Diffusion 3 / 3.5";
  m.architectures = {"sd3-medium", "sd35-medium", "sd35-large", "sd3-tiny", "sd3-custom"};
  m.native_size = 1024;
  m.vae_scaling_factor = 1.5305;  // and shift 0.0609 (core/models/sd3/sd3_model.cpp)
  m.vae_force_upcast = true;
  m.random_models = {{"random:sd3-medium", "SD3 medium architecture with random weights (MMDiT 2B + CLIP-L/G + T5-XXL, 1024x1024)"},
                     {"random:sd35-medium", "SD3.5 medium architecture with random weights (MMDiT-X, 1024x1024)"},
                     {"random:sd35-large", "SD3.5 large architecture with random weights (MMDiT 8B, 1024x1024)"},
                     {"random:sd3-tiny", "a tiny SD3-shaped model with random weights (fast tests)"}};
  m.pipeline_classes = {"StableDiffusion3Pipeline"};
  // Stability's single files (model.diffusion_model.joint_blocks.*, core/models/sd3/sd3_single_file.h).
  m.single_file_keys = {"model.diffusion_model.joint_blocks.0.context_block.adaLN_modulation.1.bias"};
  m.size_presets = {{1024, 1024}, {1152, 896}, {896, 1152}, {1216, 832}, {832, 1216}, {1344, 768}, {768, 1344}};
  return m;
}

}  // namespace drf
