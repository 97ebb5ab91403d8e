// The original MMDiT names of Stability's single-file SD3 / SD3.5 checkpoints
// (model.diffusion_model.*, as sd3_medium.safetensors and the SD3.5 files store them) for the
// diffusers names our SD3 transformer uses: x_embedder / pos_embed / t_embedder / y_embedder /
// context_embedder, joint_blocks.N.{x_block, context_block} with fused attn.qkv (split into
// to_q/k/v and add_q/k/v_proj), attn.proj, attn.ln_q/ln_k (RMS q/k norms), attn2 (MMDiT-X),
// adaLN_modulation.1 and mlp.fc1/fc2, final_layer.{linear, adaLN_modulation.1}. The two
// AdaLayerNormContinuous projections (the last block's context norm and the output norm) store
// (shift, scale) where diffusers has (scale, shift): their halves are swapped on the way in and
// out. Rules as diffusers' convert_sd3_transformer_checkpoint_to_diffusers, inverted so that each
// of our tensors names its one source.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/models/loaders/weight_source.h"
#include "core/models/sd3/sd3_transformer_config.h"

namespace drf {

inline const char* kSd3MmditPrefix = "model.diffusion_model.";

struct Sd3MmditKeyMap {
  std::map<std::string, KeyMapping> mapping;  // diffusers name -> file key (with kSd3MmditPrefix)
  std::set<std::string> swapped_halves;       // diffusers names whose two halves trade places
};

// For the diffusers parameter and buffer names of a transformer built from `config`; an
// Internal error for a name without a rule (a module this map does not know).
Sd3MmditKeyMap sd3_mmdit_key_map(const std::vector<std::string>& diffusers_names, const Sd3TransformerConfig& config);

// The file seen under diffusers names: chunks of the fused qkv, halves swapped where the map
// says. Shapes and errors name the file's own key.
std::shared_ptr<const WeightSource> sd3_mmdit_weights(std::shared_ptr<const WeightSource> file, const Sd3MmditKeyMap& map);

// The inverse for tests and conversion tools: a transformer state under diffusers names -> the
// single-file tensors (qkv fused, halves swapped back).
std::map<std::string, torch::Tensor> to_sd3_mmdit_names(const std::map<std::string, torch::Tensor>& diffusers_state,
                                                        const Sd3MmditKeyMap& map);

}  // namespace drf
