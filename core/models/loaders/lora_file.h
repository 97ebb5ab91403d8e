// The layers of a LoRA file (low-rank weight updates W += scale * up @ down), read from the
// names of its tensors, in the three layouts LoRA files come in:
//   kohya / A1111   lora_unet_<path>.lora_down.weight, .lora_up.weight, .alpha (paths with '_'
//                   for '.', in diffusers or original LDM names; lora_te_, lora_te1_, lora_te2_
//                   for the text encoders), also LoCon convolutions and LCM-LoRA files
//   PEFT / diffusers unet.<path>.lora_A.weight and .lora_B.weight (text_encoder., transformer.
//                   ...), .lora.down / .lora.up (LoRACompatible layers)
//   attention procs <path>.processor.to_q_lora.down.weight (diffusers' first LoRA format)
// Other adapters (LoHa, LoKr, DoRA, full diffs) are refused by name: they are not a product of
// two factors and merging them as one would change the image silently.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace drf {

class SafetensorsFile;

struct LoraLayer {
  // Where the update goes, as the file names it: "lora_unet_down_blocks_0_..." (underscored,
  // kohya) or "unet.down_blocks.0. ..." (dotted); `underscored` says which.
  std::string target;
  bool underscored = false;
  std::string down_key, up_key;  // [rank, in(, kh, kw)] and [out, rank(, 1, 1)]
  std::string alpha_key;         // "" = none: the update is not rescaled by alpha / rank
};

// Every layer of `file`; InputError naming the file and the tensor for a key that is no LoRA
// factor, an adapter type that cannot be merged, or a down factor without its up (or the reverse).
std::vector<LoraLayer> read_lora_layers(const SafetensorsFile& file);

// kohya's network prefixes and the networks each may stand for (lora_unet_ also names SD3's
// MMDiT in kohya's SD3 scripts), in the order they are tried.
const std::vector<std::pair<std::string, std::vector<std::string>>>& kohya_network_prefixes();
// The component names of dotted (PEFT / diffusers) layer names: "unet.", "transformer.", ...
const std::vector<std::string>& lora_component_names();

// What `driffusion info --lora` says about a file without a model: its layouts, layers per
// network as the file names them, ranks, where alpha comes from, and the model family its
// widths point to.
struct LoraFileSummary {
  std::vector<std::string> layouts;   // "kohya", "PEFT / diffusers", "diffusers attention processors"
  std::map<std::string, int> layers;  // "unet", "text_encoder", "text_encoder_2", "transformer"
  int64_t min_rank = 0, max_rank = 0;
  int alpha_tensors = 0;        // layers with an .alpha tensor
  bool metadata_alpha = false;  // diffusers' lora_adapter_metadata names lora_alpha
  std::string made_for;         // "SD 1.x", "SD 2.x", "SDXL", "SD3 / SD3.5"; "" = cannot tell
  std::string made_for_reason;  // "cross-attention reads 768-wide text", ...
};
LoraFileSummary summarize_lora_file(const SafetensorsFile& file);

}  // namespace drf
