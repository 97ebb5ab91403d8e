// The weights of a transformers / diffusers component folder as one WeightSource: either a
// single "<stem>.safetensors" or the sharded form that save_pretrained writes for large models
// (T5-XXL's text_encoder_3/): "<stem>.safetensors.index.json" with a "weight_map" from tensor
// name to shard file, and the shards next to it. Every shard named by the index must exist in
// the folder (plain file names only) and hold the tensors the index assigns to it.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/models/loaders/weight_source.h"

namespace drf {

class ShardedSafetensorsWeightSource : public WeightSource {
 public:
  // Reads and checks the index and opens every shard (headers only; tensors load on demand).
  // InputError naming the index, shard or tensor on any problem.
  explicit ShardedSafetensorsWeightSource(const std::string& index_path);
  std::string describe() const override { return index_path_; }
  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override { return owner_.count(name) > 0; }
  std::vector<int64_t> shape(const std::string& name) const override;
  bool is_floating(const std::string& name) const override;
  torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override;
  std::string display_name(const std::string& name) const override;
  std::size_t shard_count() const { return shards_.size(); }

 private:
  const SafetensorsWeightSource& at(const std::string& name) const;
  std::string index_path_;
  std::map<std::string, std::shared_ptr<SafetensorsWeightSource>> shards_;  // by file name
  std::map<std::string, std::string> owner_;                                // tensor -> shard file name
};

// "<folder>/<stem>.safetensors" when present, else "<folder>/<stem>.safetensors.index.json";
// InputError naming the folder when neither exists.
std::shared_ptr<const WeightSource> open_safetensors_weights(const std::string& folder,
                                                             const std::string& stem = "model");

}  // namespace drf
