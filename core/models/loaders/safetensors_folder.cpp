#include "core/models/loaders/safetensors_folder.h"

#include <filesystem>

#include "core/io/json_file.h"
#include "core/io/safetensors_reader.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {
namespace fs = std::filesystem;

namespace {

// A shard name from an untrusted index: a plain file name, never a path out of the folder.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

ShardedSafetensorsWeightSource::ShardedSafetensorsWeightSource(const std::string& index_path)
    : index_path_(index_path) {
  JsonLimits limits;
  limits.max_bytes = 16u << 20;  // T5-XXL's index is ~20 KB; a million tensor names is absurd
  limits.max_depth = 4;
  const nlohmann::json index = read_json_file(index_path, limits);
  if (!index.is_object() || !index.contains("weight_map") || !index.at("weight_map").is_object())
    throw InputError(index_path + ": no \"weight_map\" object (not a safetensors shard index)");
  const fs::path folder = fs::path(index_path).parent_path();
  for (const auto& [tensor, file] : index.at("weight_map").items()) {
    if (!file.is_string())
      throw InputError(index_path + ": the shard of tensor '" + printable_excerpt(tensor) + "' is not a file name");
    const std::string shard = file.get<std::string>();
    if (!plain_file_name(shard))
      throw InputError(index_path + ": shard '" + printable_excerpt(shard) +
                       "' is not a plain file name in the index's folder");
    if (!shards_.count(shard)) {
      const fs::path path = folder / shard;
      if (!fs::is_regular_file(path))
        throw InputError(index_path + ": shard file '" + printable_excerpt(shard) + "' is missing");
      shards_[shard] = std::make_shared<SafetensorsWeightSource>(std::make_shared<const SafetensorsFile>(path.string()));
    }
    if (!shards_.at(shard)->contains(tensor))
      throw InputError((folder / shard).string() + ": tensor '" + printable_excerpt(tensor) +
                       "' that the index assigns to this shard is not in it");
    owner_[tensor] = shard;
  }
  if (owner_.empty()) throw InputError(index_path + ": the weight_map is empty");
}

std::vector<std::string> ShardedSafetensorsWeightSource::names() const {
  std::vector<std::string> out;
  out.reserve(owner_.size());
  for (const auto& kv : owner_) out.push_back(kv.first);
  return out;
}

const SafetensorsWeightSource& ShardedSafetensorsWeightSource::at(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) throw InputError(index_path_ + ": no tensor '" + printable_excerpt(name) + "'");
  return *shards_.at(it->second);
}

std::vector<int64_t> ShardedSafetensorsWeightSource::shape(const std::string& name) const { return at(name).shape(name); }
bool ShardedSafetensorsWeightSource::is_floating(const std::string& name) const { return at(name).is_floating(name); }

torch::Tensor ShardedSafetensorsWeightSource::load(const std::string& name, torch::Dtype dtype,
                                                   const torch::Device& device) const {
  return at(name).load(name, dtype, device);
}

std::string ShardedSafetensorsWeightSource::display_name(const std::string& name) const {
  auto it = owner_.find(name);
  return "'" + name + "'" + (it == owner_.end() ? "" : " (in " + it->second + ")");
}

std::shared_ptr<const WeightSource> open_safetensors_weights(const std::string& folder, const std::string& stem) {
  const fs::path single = fs::path(folder) / (stem + ".safetensors");
  if (fs::is_regular_file(single))
    return std::make_shared<SafetensorsWeightSource>(std::make_shared<const SafetensorsFile>(single.string()));
  const fs::path index = fs::path(folder) / (stem + ".safetensors.index.json");
  if (fs::is_regular_file(index)) return std::make_shared<ShardedSafetensorsWeightSource>(index.string());
  throw InputError(folder + ": neither " + stem + ".safetensors nor " + stem + ".safetensors.index.json is there");
}

}  // namespace drf
