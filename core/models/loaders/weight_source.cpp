#include "core/models/loaders/weight_source.h"

#include "core/io/safetensors_reader.h"
#include "core/util/errors.h"

namespace drf {

SafetensorsWeightSource::SafetensorsWeightSource(std::shared_ptr<const SafetensorsFile> file) : file_(std::move(file)) {}

std::string SafetensorsWeightSource::describe() const { return file_->path(); }
std::vector<std::string> SafetensorsWeightSource::names() const { return file_->names(); }
bool SafetensorsWeightSource::contains(const std::string& name) const { return file_->contains(name); }
std::vector<int64_t> SafetensorsWeightSource::shape(const std::string& name) const { return file_->shape(name); }

bool SafetensorsWeightSource::is_floating(const std::string& name) const {
  const auto d = file_->dtype(name);
  return d == SafetensorsDtype::F32 || d == SafetensorsDtype::F16 || d == SafetensorsDtype::BF16 ||
         d == SafetensorsDtype::F64;
}

torch::Tensor SafetensorsWeightSource::load(const std::string& name, torch::Dtype dtype,
                                            const torch::Device& device) const {
  return file_->tensor(name, dtype, device);
}

TensorMapWeightSource::TensorMapWeightSource(std::map<std::string, torch::Tensor> tensors, std::string label)
    : tensors_(std::move(tensors)), label_(std::move(label)) {}

std::vector<std::string> TensorMapWeightSource::names() const {
  std::vector<std::string> out;
  for (const auto& kv : tensors_) out.push_back(kv.first);
  return out;
}

const torch::Tensor& TensorMapWeightSource::at(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw InputError(label_ + ": no tensor '" + name + "'");
  return it->second;
}

std::vector<int64_t> TensorMapWeightSource::shape(const std::string& name) const { return at(name).sizes().vec(); }
bool TensorMapWeightSource::is_floating(const std::string& name) const { return at(name).is_floating_point(); }

torch::Tensor TensorMapWeightSource::load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const {
  // .to() may return the stored tensor itself; clone so callers never alias the map.
  auto t = at(name).to(device, dtype);
  return t.is_same(at(name)) ? t.clone() : t;
}

MappedWeightSource::MappedWeightSource(std::shared_ptr<const WeightSource> base, std::map<std::string, KeyMapping> mapping)
    : base_(std::move(base)), mapping_(std::move(mapping)) {}

std::vector<std::string> MappedWeightSource::names() const {
  std::vector<std::string> out;
  for (const auto& kv : mapping_)
    if (base_->contains(kv.second.source_key)) out.push_back(kv.first);
  return out;
}

const KeyMapping& MappedWeightSource::at(const std::string& name) const {
  auto it = mapping_.find(name);
  if (it == mapping_.end()) throw InputError(base_->describe() + ": no tensor maps to '" + name + "'");
  return it->second;
}

bool MappedWeightSource::contains(const std::string& name) const {
  auto it = mapping_.find(name);
  return it != mapping_.end() && base_->contains(it->second.source_key);
}

std::vector<int64_t> MappedWeightSource::shape(const std::string& name) const {
  const KeyMapping& m = at(name);
  auto s = base_->shape(m.source_key);
  if (m.chunk >= 0 && !s.empty() && s[0] % m.chunks == 0) s[0] /= m.chunks;
  if (m.drop_trailing_ones)
    while (s.size() > 2 && s.back() == 1) s.pop_back();
  if (m.transpose && s.size() == 2) std::swap(s[0], s[1]);
  return s;
}

bool MappedWeightSource::is_floating(const std::string& name) const { return base_->is_floating(at(name).source_key); }

torch::Tensor MappedWeightSource::load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const {
  const KeyMapping& m = at(name);
  auto t = m.chunk >= 0 && m.chunks > 1 ? load_fused_once(m, dtype, device) : base_->load(m.source_key, dtype, device);
  if (m.chunk >= 0) t = t.chunk(m.chunks, 0)[static_cast<std::size_t>(m.chunk)].clone();
  if (m.drop_trailing_ones) t = t.reshape(shape(name));
  if (m.transpose) t = t.t().contiguous();
  return t;
}

// OpenCLIP's fused in_proj: q, k and v are chunks of one stored tensor. The first of them to load
// reads it and the others wait for it, instead of reading and uploading it three times; it is
// dropped once every chunk was taken.
torch::Tensor MappedWeightSource::load_fused_once(const KeyMapping& m, torch::Dtype dtype,
                                                  const torch::Device& device) const {
  const std::string key = m.source_key + "|" + c10::toString(dtype) + "|" + device.str();
  std::promise<torch::Tensor> read;
  std::shared_future<torch::Tensor> shared;
  bool reader = false;
  {
    std::lock_guard<std::mutex> lock(fused_mutex_);
    auto it = fused_.find(key);
    if (it == fused_.end()) {
      shared = read.get_future().share();
      fused_[key] = SharedTensor{shared, 1};
      reader = true;
    } else {
      shared = it->second.tensor;
      if (++it->second.taken == m.chunks) fused_.erase(it);
    }
  }
  if (reader) {
    try {
      read.set_value(base_->load(m.source_key, dtype, device));
    } catch (...) {
      read.set_exception(std::current_exception());
      std::lock_guard<std::mutex> lock(fused_mutex_);
      fused_.erase(key);  // a later load reads again instead of keeping the error
    }
  }
  return shared.get();
}

std::string MappedWeightSource::display_name(const std::string& name) const {
  auto it = mapping_.find(name);
  if (it == mapping_.end()) return "'" + name + "'";
  return "'" + it->second.source_key + "' (for " + name + ")";
}

}  // namespace drf
