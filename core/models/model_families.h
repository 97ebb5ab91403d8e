// The model-family registry: what the application knows about each family of models, in one
// table (llama.cpp's architecture table is the model), built from the family list
// (family_list.h) of descriptors (model_family.h) that each family's folder defines. The model
// list of the CLI and the GUI, the loader's random:* names, detection of a diffusers folder's
// pipeline class and of a single file's keys, native sizes and the GUI's size presets come
// from here; a new family is a folder under core/models/ that defines its ModelFamily, plus one
// line in core/models/families/family_list.h (docs/sdxl.md, "Adding a family"). Free of
// LibTorch so that the Qt GUI may include it.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/models/families/model_family.h"

namespace drf {

// Every family, most specific detection first.
const std::vector<ModelFamily>& model_families();

// The family of a ModelSummary::architecture value; nullptr when none claims it.
const ModelFamily* family_of_architecture(const std::string& architecture);
// The family whose pipeline_classes hold a diffusers model_index.json "_class_name".
const ModelFamily* family_of_pipeline_class(const std::string& class_name);
// The first family all of whose single_file_keys the checkpoint has (`has_key` asks it).
const ModelFamily* family_of_checkpoint(const std::function<bool(const std::string&)>& has_key);
// All random:* models, in registry order.
std::vector<RandomModel> all_random_models();
bool is_random_model(const std::string& source);

}  // namespace drf
