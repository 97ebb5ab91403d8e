// Merging a LoRA file into a loaded model's weights: W += strength * (alpha / rank) * up @ down,
// in float32, then rounded once to the weight's dtype (as diffusers' fuse_lora). Merged weights
// cost nothing per step and every path (CUDA graphs, fused projections, replicas on other GPUs,
// the DRiffusion drafts) sees them, which is why a LoRA is a load-time choice: the engine keys
// its loaded model by the LoRA list and loads afresh when it changes (no unmerge drift).
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace drf {

// A network a LoRA may change, under the component name LoRA files use.
struct LoraModule {
  std::string component;  // "unet", "transformer", "text_encoder", "text_encoder_2"
  torch::nn::Module* module = nullptr;
  // Extra underscored names of layers (kohya files name an SD UNet's layers by the original LDM
  // paths, input_blocks_1_1_proj_in...) -> the module path they stand for.
  std::map<std::string, std::string> aliases;
};

struct LoraMergeReport {
  std::map<std::string, int> layers;  // per component: how many weights changed
  std::string summary() const;        // "unet 64, text_encoder 72"
};

// Merges the LoRA at `path` into `modules` (the first is the denoiser network; layers the file
// names without a component go there). Every layer's target and shapes are checked before any
// weight changes: InputError naming the file and the layer for a layer that names no weight of
// these networks (a LoRA for another model family) or factors that do not fit. Values are
// checked as each layer merges (factors holding NaN / Inf are refused by the reader; an update
// that overflows the weight's dtype here): such an error leaves earlier layers merged, and
// load_pipeline then discards the model. `strength` 0 leaves the weights bit for bit.
// The scale of a layer: alpha / rank from its `.alpha` tensor (alpha 0 = rank, as kohya's
// scripts read it), else from diffusers' "lora_adapter_metadata" (PEFT's lora_alpha and r, per
// component, alpha / sqrt(rank) with use_rslora), else 1.
LoraMergeReport merge_lora_file(const std::string& path, double strength, const std::vector<LoraModule>& modules);

// How a model's name mentions a merged LoRA: "LoRA style.safetensors" or "LoRA style.safetensors x0.7".
std::string lora_note(const std::string& path, double strength);

}  // namespace drf
