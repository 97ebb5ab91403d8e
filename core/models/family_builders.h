// The LibTorch side of the model-family registry: how each family's pipelines are made, keyed
// by the family id of core/models/model_families.h (which stays free of LibTorch so
// that the GUI may include it). load_pipeline() (core/engine/pipeline_loader.cpp) dispatches
// every source through this table and names no family itself:
//   "builtin", "analytic"      -> the builder whose named_sources hold the name
//   "random:<preset>"          -> the family whose ModelFamily::random_models hold the source
//   a diffusers folder         -> the family whose ModelFamily::pipeline_classes hold
//                                 model_index.json's "_class_name"; without a class, or with
//                                 one no family lists, the first family (registry order)
//                                 whose claims_folder says yes
//   a .safetensors file        -> the family whose ModelFamily::single_file_keys the file has
// and the builder marked `fallback` (SD 1.x/2.x, whose detection explains LoRA, VAE and
// inpainting files) gets what no family claims, so that the error names what the input is.
// Memory: each family's Pipeline reports Pipeline::activation_bytes_per_row (the draft budget
// and the job memory check use it); nothing else is family-specific there.
//
// Adding a family: a folder core/models/<family>/ that defines `ModelFamily <family>_family()`
// and `FamilyBuilder <family>_family_builder()`, and one line naming both in
// core/models/families/family_list.h (docs/sdxl.md, "Adding a family").
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/models/families/family_builder.h"

namespace drf {

// The builder registered for a family id; nullptr when none is.
const FamilyBuilder* family_builder(const std::string& family_id);

// Every (family id, builder) pair, in registration order.
const std::vector<std::pair<std::string, FamilyBuilder>>& family_builders();

}  // namespace drf
