#include "core/io/safetensors_writer.h"

#include <vector>

#include "core/io/atomic_file.h"
#include "core/io/safetensors_header.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {
namespace {

SafetensorsDtype stored_dtype(const std::string& name, torch::Dtype d) {
  switch (d) {
    case torch::kFloat32:
      return SafetensorsDtype::F32;
    case torch::kFloat16:
      return SafetensorsDtype::F16;
    case torch::kBFloat16:
      return SafetensorsDtype::BF16;
    case torch::kFloat64:
      return SafetensorsDtype::F64;
    case torch::kInt64:
      return SafetensorsDtype::I64;
    case torch::kInt32:
      return SafetensorsDtype::I32;
    case torch::kInt16:
      return SafetensorsDtype::I16;
    case torch::kInt8:
      return SafetensorsDtype::I8;
    case torch::kUInt8:
      return SafetensorsDtype::U8;
    case torch::kBool:
      return SafetensorsDtype::BOOL;
    default:
      throw UsageError("tensor '" + name + "' has a dtype safetensors cannot store: " + std::string(c10::toString(d)));
  }
}

void check_text(const std::string& text, const char* what) {
  if (!is_valid_utf8(text))
    throw UsageError(std::string(what) + " '" + printable_excerpt(text) + "' is not valid UTF-8");
}

}  // namespace

void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsEntry> entries;
  std::vector<torch::Tensor> data;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name.empty() || name == "__metadata__") throw UsageError("invalid safetensors tensor name '" + name + "'");
    check_text(name, "tensor name");
    SafetensorsEntry e;
    e.name = name;
    e.dtype = stored_dtype(name, t.scalar_type());
    e.shape = t.sizes().vec();
    e.begin = offset;
    offset += static_cast<std::uint64_t>(t.numel()) * dtype_size(e.dtype);
    e.end = offset;
    entries.push_back(std::move(e));
    data.push_back(t.detach().to(torch::kCPU).contiguous());
  }
  for (const auto& [key, value] : metadata) {
    check_text(key, "metadata key");
    check_text(value, "metadata value");
  }
  const std::string header = build_safetensors_header(entries, metadata);
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(header.size()) >> (8 * i));

  AtomicFileWriter out(path);
  out.write(len, sizeof len);
  out.write(header.data(), header.size());
  for (std::size_t i = 0; i < data.size(); ++i)
    out.write(data[i].data_ptr(), static_cast<std::size_t>(entries[i].end - entries[i].begin));
  out.commit();
}

}  // namespace drf
