// Where a module's weights come from, by checkpoint key: a safetensors file, an in-memory map
// (tests, synthetic checkpoints), or a renaming view over another source (single-file LDM
// checkpoints, whose keys differ from diffusers'). The loader (weight_loader.h) only sees this.
#pragma once
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace drf {

class SafetensorsFile;

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual std::string describe() const = 0;             // the file, for error messages
  virtual std::vector<std::string> names() const = 0;   // sorted
  virtual bool contains(const std::string& name) const = 0;
  virtual std::vector<int64_t> shape(const std::string& name) const = 0;
  virtual bool is_floating(const std::string& name) const = 0;
  // The stored values converted to dtype on device (a fresh tensor, never a view of the file).
  // Called from several threads at once (weight_loader.cpp): implementations must be thread-safe.
  virtual torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const = 0;
  // How messages should name a key (a renaming view adds the file's own key).
  virtual std::string display_name(const std::string& name) const { return "'" + name + "'"; }
};

class SafetensorsWeightSource : public WeightSource {
 public:
  explicit SafetensorsWeightSource(std::shared_ptr<const SafetensorsFile> file);
  std::string describe() const override;
  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override;
  std::vector<int64_t> shape(const std::string& name) const override;
  bool is_floating(const std::string& name) const override;
  torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override;
  const SafetensorsFile& file() const { return *file_; }

 private:
  std::shared_ptr<const SafetensorsFile> file_;
};

class TensorMapWeightSource : public WeightSource {
 public:
  TensorMapWeightSource(std::map<std::string, torch::Tensor> tensors, std::string label);
  std::string describe() const override { return label_; }
  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override { return tensors_.count(name) > 0; }
  std::vector<int64_t> shape(const std::string& name) const override;
  bool is_floating(const std::string& name) const override;
  torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override;

 private:
  const torch::Tensor& at(const std::string& name) const;
  std::map<std::string, torch::Tensor> tensors_;
  std::string label_;
};

// How a target key is computed from a key of the underlying source.
struct KeyMapping {
  std::string source_key;
  int chunk = -1;            // >= 0: take chunk `chunk` of `chunks` equal parts along dim 0
  int chunks = 1;            //       (OpenCLIP's fused in_proj_weight -> q, k, v)
  bool drop_trailing_ones = false;  // [C, C, 1, 1] 1x1-conv weight -> [C, C] linear weight
  bool transpose = false;  // [in, out] matrix applied as x @ P (OpenCLIP's text_projection) -> linear weight
};

// A renaming view: names() are the target keys; errors name the source key and file. load() may be
// called from several threads at once (weight_loader.cpp loads in parallel).
class MappedWeightSource : public WeightSource {
 public:
  MappedWeightSource(std::shared_ptr<const WeightSource> base, std::map<std::string, KeyMapping> mapping);
  std::string describe() const override { return base_->describe(); }
  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override;
  std::vector<int64_t> shape(const std::string& name) const override;
  bool is_floating(const std::string& name) const override;
  torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override;
  std::string display_name(const std::string& name) const override;

 private:
  const KeyMapping& at(const std::string& name) const;
  torch::Tensor load_fused_once(const KeyMapping& m, torch::Dtype dtype, const torch::Device& device) const;
  std::shared_ptr<const WeightSource> base_;
  std::map<std::string, KeyMapping> mapping_;
  // Stored tensors that several targets are chunks of, while not every chunk was taken yet.
  struct SharedTensor {
    std::shared_future<torch::Tensor> tensor;
    int taken = 0;
  };
  mutable std::mutex fused_mutex_;
  mutable std::map<std::string, SharedTensor> fused_;
};

}  // namespace drf
