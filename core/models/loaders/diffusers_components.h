// What every diffusers-folder loader (SD 1.x/2.x, SDXL, SD3) does around its own component
// list: read model_index.json and its pipeline class, check that the component subfolders
// exist, find and open a component's safetensors file (full or fp16 variant) as a WeightSource,
// and name the model after its folder.
// One copy here so that each family's loader holds only what is its own (which components,
// which configs, which weight-loading rules).
#pragma once
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/models/loaders/weight_source.h"

namespace drf {

// root/model_index.json parsed, or an empty object when the folder has none (loose component
// folders). InputError naming the file when it is not valid JSON.
nlohmann::json read_model_index(const std::filesystem::path& root);

// The pipeline class model_index.json names ("_class_name"); nullopt without the file or
// without a string class (detection then goes by the subfolders).
std::optional<std::string> model_index_class_name(const std::filesystem::path& root);

// InputError "<root> is not a complete <what>: it has no <sub>/ subfolder" for the first
// missing one of `subfolders`.
void require_component_folders(const std::filesystem::path& root, std::initializer_list<const char*> subfolders,
                               const std::string& what);

// A single .safetensors file (headers read now, tensors on demand) as a WeightSource.
std::shared_ptr<const WeightSource> open_safetensors_file_weights(const std::string& path);

// The model's display name: the folder's own name (also for a path ending in a separator).
std::string diffusers_folder_name(const std::filesystem::path& root);

// `dir`/`stem`.safetensors or `stem`.fp16.safetensors (the one that suits compute_dtype first);
// pickles and sharded files refused with advice. InputError naming the folder otherwise.
std::string find_component_weights(const std::filesystem::path& dir, const std::string& stem, torch::Dtype compute_dtype);

// `p` itself when it is a file; InputError "missing file <p>" otherwise.
std::string require_component_file(const std::filesystem::path& p);

// A VAE component's weights with the older mid-block attention names (query/key/value/
// proj_attn) renamed as diffusers renames them on load; `file` itself when it has none.
std::shared_ptr<const WeightSource> with_current_vae_names(std::shared_ptr<const WeightSource> file);

}  // namespace drf
