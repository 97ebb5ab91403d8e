#include "core/io/safetensors_reader.h"

#include "core/util/printable_text.h"

#include <algorithm>

#include "core/io/checkpoint_format.h"
#include "core/io/file_to_device.h"
#include "core/io/mapped_file.h"
#include "core/io/non_finite_scan.h"
#include "core/util/errors.h"

namespace drf {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian; add byte swapping");

// The NaN and Inf values among `bytes` bytes at `data` holding elements of `dtype`.
std::int64_t non_finite_values(torch::Dtype dtype, const void* data, std::size_t bytes) {
  const std::size_t n = bytes / torch::elementSize(dtype);
  switch (dtype) {
    case torch::kFloat16: return count_non_finite(data, n, FloatBits::F16);
    case torch::kBFloat16: return count_non_finite(data, n, FloatBits::BF16);
    case torch::kFloat32: return count_non_finite(data, n, FloatBits::F32);
    case torch::kFloat64: return count_non_finite(data, n, FloatBits::F64);
    default: return 0;  // integers and booleans have no NaN
  }
}

// The LibTorch dtype a stored dtype is copied into before conversion; false when it has none.
bool storage_dtype(SafetensorsDtype d, torch::Dtype* out) {
  switch (d) {
    case SafetensorsDtype::F32:
      *out = torch::kFloat32;
      return true;
    case SafetensorsDtype::F16:
      *out = torch::kFloat16;
      return true;
    case SafetensorsDtype::BF16:
      *out = torch::kBFloat16;
      return true;
    case SafetensorsDtype::F64:
      *out = torch::kFloat64;
      return true;
    case SafetensorsDtype::I64:
      *out = torch::kInt64;
      return true;
    case SafetensorsDtype::I32:
      *out = torch::kInt32;
      return true;
    case SafetensorsDtype::I16:
      *out = torch::kInt16;
      return true;
    case SafetensorsDtype::I8:
      *out = torch::kInt8;
      return true;
    case SafetensorsDtype::U8:
      *out = torch::kUInt8;
      return true;
    case SafetensorsDtype::BOOL:
      *out = torch::kUInt8;
      return true;  // bytes other than 0/1 must not become bools
    default:
      return false;
  }
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  if (has_pickle_extension(path)) throw InputError(pickle_refusal_message(path));
  auto map = std::make_shared<const MappedFile>(path, "safetensors file");
  header_ = parse_safetensors_header(map->data(), map->size(), path);
  map_ = std::move(map);
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(header_.tensors.size());
  for (const auto& e : header_.tensors) out.push_back(e.name);
  return out;
}

bool SafetensorsFile::contains(const std::string& name) const {
  const auto& t = header_.tensors;
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const SafetensorsEntry& e, const std::string& n) { return e.name < n; });
  return it != t.end() && it->name == name;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  const auto& t = header_.tensors;
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const SafetensorsEntry& e, const std::string& n) { return e.name < n; });
  if (it == t.end() || it->name != name) throw InputError(path_ + ": has no tensor '" + name + "'");
  return *it;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name, torch::Dtype to_dtype, torch::Device device) const {
  const SafetensorsEntry& e = entry(name);
  torch::Dtype stored;
  if (!storage_dtype(e.dtype, &stored))
    throw InputError(path_ + ": tensor '" + name + "' has dtype " + dtype_name(e.dtype) + ", which cannot be loaded");
  const std::size_t nbytes = static_cast<std::size_t>(e.end - e.begin);
  // NaN or Inf in a weight makes every image black (exit 0): refuse the file at load, naming the
  // tensor. One pass over the bytes as they are copied, by their exponent bits (non_finite_scan.h).
  const auto refuse_non_finite = [&](std::int64_t bad) {
    if (bad > 0)
      throw InputError(path_ + ": tensor '" + printable_text(name, LineBreaks::Escape, 120) + "' holds " +
                       std::to_string(bad) + " non-finite value" + (bad == 1 ? "" : "s") +
                       " (NaN or Inf): the file is corrupt");
  };
  // To a GPU through the backend's pinned staging buffers when it has them; the GPU converts
  // after the upload (the CPU would otherwise convert every tensor on the way).
  const FileToDeviceCopy direct = device.is_cuda() ? file_to_device_copy() : nullptr;
  if (direct && nbytes > 0 && e.dtype != SafetensorsDtype::BOOL) {
    torch::Tensor on_device = torch::empty(e.shape, torch::TensorOptions().dtype(stored).device(device));
    std::int64_t bad = 0;
    direct(*map_, header_.data_start + e.begin, nbytes, on_device.data_ptr(), device.has_index() ? device.index() : -1,
           [&](const void* chunk, std::uint64_t bytes) { bad += non_finite_values(stored, chunk, bytes); });
    refuse_non_finite(bad);
    return on_device.to(to_dtype);
  }
  // Copy out of the file: the stored bytes need not be aligned for the element type, and the
  // tensor must not keep the file mapped (the mapping serves the header).
  torch::Tensor host = torch::empty(e.shape, torch::TensorOptions().dtype(stored));
  if (nbytes > 0) map_->read(host.data_ptr(), header_.data_start + e.begin, nbytes);
  if (e.dtype == SafetensorsDtype::BOOL) host = host.ne(0);
  refuse_non_finite(non_finite_values(host.scalar_type(), host.data_ptr(), nbytes));
  if (device.is_cpu()) return host.to(to_dtype);
  return host.to(device).to(to_dtype);
}

}  // namespace drf
