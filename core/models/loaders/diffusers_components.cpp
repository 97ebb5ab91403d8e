#include "core/models/loaders/diffusers_components.h"

#include "core/io/checkpoint_format.h"
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

std::string find_component_weights(const std::filesystem::path& dir, const std::string& stem, torch::Dtype dtype) {
  const std::filesystem::path full = dir / (stem + ".safetensors"), half = dir / (stem + ".fp16.safetensors");
  const bool prefer_half = dtype != torch::kFloat32;
  for (const auto& p : prefer_half ? std::vector<std::filesystem::path>{half, full} : std::vector<std::filesystem::path>{full, half})
    if (std::filesystem::is_regular_file(p)) return p.string();
  if (std::filesystem::exists(dir / (stem + ".safetensors.index.json")))
    throw InputError(dir.string() + ": sharded weights (" + stem + ".safetensors.index.json) are not supported");
  for (const char* pickle : {"diffusion_pytorch_model.bin", "pytorch_model.bin", "diffusion_pytorch_model.fp16.bin",
                             "pytorch_model.fp16.bin"})
    if (std::filesystem::is_regular_file(dir / pickle)) throw InputError(pickle_refusal_message((dir / pickle).string()));
  throw InputError(dir.string() + " has no " + stem + ".safetensors (nor " + stem + ".fp16.safetensors)");
}

std::string require_component_file(const std::filesystem::path& p) {
  if (!std::filesystem::is_regular_file(p)) throw InputError("missing file " + p.string());
  return p.string();
}

// Older diffusers VAE files name the mid-block attention query/key/value/proj_attn; diffusers
// renames them on load (modeling_utils _convert_deprecated_attention_blocks), and so do we.
std::shared_ptr<const WeightSource> with_current_vae_names(std::shared_ptr<const WeightSource> file) {
  static const std::pair<const char*, const char*> renames[] = {
      {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};
  bool any = false;
  std::map<std::string, KeyMapping> map;
  for (const auto& n : file->names()) {
    std::string target = n;
    if (n.find("mid_block.attentions.") != std::string::npos)
      for (const auto& [from, to] : renames) {
        const auto pos = target.find(from);
        if (pos != std::string::npos) {
          target.replace(pos, std::string(from).size(), to);
          any = true;
        }
      }
    map[target] = KeyMapping{n};
  }
  if (!any) return file;
  return std::make_shared<MappedWeightSource>(file, std::move(map));
}

}  // namespace drf
