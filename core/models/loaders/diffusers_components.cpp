#include "core/models/loaders/diffusers_components.h"

#include "core/io/safetensors_reader.h"
#include "core/models/loaders/config_json.h"
#include "core/util/errors.h"

namespace drf {

nlohmann::json read_model_index(const std::filesystem::path& root) {
  const std::filesystem::path index = root / "model_index.json";
  return std::filesystem::is_regular_file(index) ? config_json::read_file(index.string()) : nlohmann::json::object();
}

std::optional<std::string> model_index_class_name(const std::filesystem::path& root) {
  const auto index = read_model_index(root);
  if (index.contains("_class_name") && index.at("_class_name").is_string())
    return index.at("_class_name").get<std::string>();
  return std::nullopt;
}

void require_component_folders(const std::filesystem::path& root, std::initializer_list<const char*> subfolders,
                               const std::string& what) {
  for (const char* sub : subfolders)
    if (!std::filesystem::is_directory(root / sub))
      throw InputError(root.string() + " is not a complete " + what + ": it has no " + sub + "/ subfolder");
}

std::shared_ptr<const WeightSource> open_safetensors_file_weights(const std::string& path) {
  return std::make_shared<SafetensorsWeightSource>(std::make_shared<const SafetensorsFile>(path));
}

std::string diffusers_folder_name(const std::filesystem::path& root) {
  const std::string name = root.filename().string();
  return name.empty() ? root.parent_path().filename().string() : name;
}

}  // namespace drf
