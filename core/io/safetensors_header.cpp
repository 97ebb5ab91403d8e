#include "core/io/safetensors_header.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/io/checkpoint_format.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {
namespace {

using nlohmann::json;

struct DtypeInfo {
  SafetensorsDtype dtype;
  const char* name;
  std::size_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {SafetensorsDtype::BOOL, "BOOL", 1},       {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::I8, "I8", 1},           {SafetensorsDtype::I16, "I16", 2},
    {SafetensorsDtype::U16, "U16", 2},         {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},       {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::U32, "U32", 4},         {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F64, "F64", 8},         {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::U64, "U64", 8},         {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1},
    {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1},
};

std::string quote(const std::string& name) {
  return "'" + printable_excerpt(name) + "'";
}

std::string range_text(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Builds one validated entry from its JSON object; offsets are checked against the data section.
class EntryParser {
 public:
  EntryParser(const std::string& file, std::uint64_t data_size, std::uint64_t file_size)
      : file_(file), data_size_(data_size), file_size_(file_size) {}

  SafetensorsEntry parse(const std::string& name, const json& obj) const {
    SafetensorsEntry e;
    e.name = name;
    const std::string what = file_ + ": tensor " + quote(name);
    const auto dtype = obj.find("dtype");
    if (dtype == obj.end() || !dtype->is_string()) throw InputError(what + " has no \"dtype\" string");
    if (!parse_dtype_name(dtype->get_ref<const std::string&>(), &e.dtype))
      throw InputError(what + " has unknown dtype " + quote(dtype->get_ref<const std::string&>()) +
                       " (known: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, U16, U32, U64, F8_E4M3, F8_E5M2)");
    e.shape = parse_shape(obj, what);
    std::tie(e.begin, e.end) = parse_offsets(obj, what);
    std::int64_t nbytes = 0;
    if (__builtin_mul_overflow(e.numel(), static_cast<std::int64_t>(dtype_size(e.dtype)), &nbytes))
      throw InputError(what + " has shape " + shape_text(e.shape) + " whose byte size overflows");
    if (static_cast<std::uint64_t>(nbytes) != e.end - e.begin)
      throw InputError(what + " (" + dtype_name(e.dtype) + " " + shape_text(e.shape) + " = " + std::to_string(nbytes) +
                       " bytes) has data_offsets " + range_text(e.begin, e.end) + " covering " +
                       std::to_string(e.end - e.begin) + " bytes");
    return e;
  }

 private:
  std::vector<std::int64_t> parse_shape(const json& obj, const std::string& what) const {
    const auto shape = obj.find("shape");
    if (shape == obj.end() || !shape->is_array()) throw InputError(what + " has no \"shape\" array");
    if (shape->size() > kMaxSafetensorsRank)
      throw InputError(what + " has " + std::to_string(shape->size()) + " dimensions (at most " +
                       std::to_string(kMaxSafetensorsRank) + " are supported)");
    std::vector<std::int64_t> dims;
    std::int64_t numel = 1;
    for (const json& d : *shape) {
      if (!d.is_number_unsigned())  // negative numbers and floats are not dimensions
        throw InputError(what + " has a shape entry " +
                         printable_excerpt(d.dump(-1, ' ', false, json::error_handler_t::replace)) +
                         " that is not a non-negative integer");
      const std::uint64_t v = d.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(INT64_MAX) ||
          __builtin_mul_overflow(numel, static_cast<std::int64_t>(v), &numel))
        throw InputError(what + " has a shape whose element count overflows 64 bits");
      dims.push_back(static_cast<std::int64_t>(v));
    }
    return dims;
  }

  std::pair<std::uint64_t, std::uint64_t> parse_offsets(const json& obj, const std::string& what) const {
    const auto offsets = obj.find("data_offsets");
    if (offsets == obj.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
      throw InputError(what + " has no \"data_offsets\" pair of non-negative integers");
    const std::uint64_t begin = (*offsets)[0].get<std::uint64_t>(), end = (*offsets)[1].get<std::uint64_t>();
    if (begin > end)
      throw InputError(what + " has data_offsets " + range_text(begin, end) + " that end before they begin");
    if (end > data_size_)
      throw InputError(what + " has data_offsets " + range_text(begin, end) + " beyond the file (the data section is " +
                       std::to_string(data_size_) + " bytes, the file " + std::to_string(file_size_) + " bytes)");
    return {begin, end};
  }

  const std::string& file_;
  std::uint64_t data_size_, file_size_;
};

std::map<std::string, std::string> parse_metadata(const json& obj, const std::string& file) {
  std::map<std::string, std::string> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!it.value().is_string())
      throw InputError(file + ": __metadata__ value for " + quote(it.key()) + " is not a string");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

// Tensors must tile the data section exactly: sorted by offset, each starts where the last ended.
void check_coverage(std::vector<const SafetensorsEntry*> order, std::uint64_t data_size, const std::string& file) {
  std::sort(order.begin(), order.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t cursor = 0;
  const SafetensorsEntry* prev = nullptr;
  for (const SafetensorsEntry* e : order) {
    if (e->begin < cursor)
      throw InputError(file + ": tensors " + quote(prev->name) + " " + range_text(prev->begin, prev->end) + " and " +
                       quote(e->name) + " " + range_text(e->begin, e->end) + " overlap");
    if (e->begin > cursor)
      throw InputError(file + ": data section bytes [" + std::to_string(cursor) + ", " + std::to_string(e->begin) +
                       ") belong to no tensor (tensor " + quote(e->name) +
                       " starts there; tensors must be packed without gaps)");
    cursor = e->end;
    prev = e;
  }
  if (cursor != data_size)
    throw InputError(file + ": " + std::to_string(data_size - cursor) +
                     " bytes after the last tensor belong to no tensor (truncated header or appended data)");
}

std::string json_error_text(const json::exception& e) {
  std::string what = e.what();
  const auto close = what.find("] ");
  return printable_excerpt(close == std::string::npos ? what : what.substr(close + 2), 300);
}

}  // namespace

const char* dtype_name(SafetensorsDtype dtype) {
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d.name;
  return "?";
}

std::size_t dtype_size(SafetensorsDtype dtype) {
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d.size;
  return 0;
}

bool parse_dtype_name(const std::string& name, SafetensorsDtype* dtype) {
  for (const auto& d : kDtypes)
    if (name == d.name) {
      *dtype = d.dtype;
      return true;
    }
  return false;
}

std::int64_t SafetensorsEntry::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;  // overflow excluded when the entry was parsed
  return n;
}

SafetensorsHeader parse_safetensors_header(const std::uint8_t* bytes, std::uint64_t file_size,
                                           const std::string& file) {
  if (file_size == 0) throw InputError(file + ": the file is empty, not a safetensors file");
  const auto refuse_if_pickle = [&] {
    if (looks_like_pickle_or_zip(bytes, file_size)) throw InputError(pickle_refusal_message(file));
  };
  if (file_size < 8) {
    refuse_if_pickle();
    throw InputError(file + ": the file is " + std::to_string(file_size) +
                     " bytes, too short for a safetensors header (truncated download?)");
  }
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];  // little-endian
  if (header_len > file_size - 8) {
    refuse_if_pickle();
    throw InputError(file + ": the header length " + std::to_string(header_len) + " is larger than the file (" +
                     std::to_string(file_size) + " bytes): truncated download or not a safetensors file");
  }
  if (header_len > kMaxSafetensorsHeaderBytes)
    throw InputError(file + ": the header length " + std::to_string(header_len) + " is above the 100 MB limit");
  const char* text = reinterpret_cast<const char*>(bytes + 8);
  if (header_len < 2 || text[0] != '{') {
    refuse_if_pickle();
    throw InputError(file + ": the header does not start with a JSON object '{' (not a safetensors file)");
  }

  SafetensorsHeader header;
  header.data_start = 8 + header_len;
  header.data_size = file_size - header.data_start;
  const EntryParser entries(file, header.data_size, file_size);
  std::set<std::string> seen;
  std::string key;
  // The callback validates each top-level entry as soon as it is complete and then discards it,
  // so the DOM never holds more than one entry; depth and shape errors stop the parse at once.
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    using E = json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) && depth >= 3)
      throw InputError(file + ": the header nests deeper than the safetensors format allows (inside " + quote(key) +
                       ")");
    if (depth == 1 && event == E::key) {
      key = parsed.get<std::string>();
      if (!seen.insert(key).second) throw InputError(file + ": tensor " + quote(key) + " appears twice in the header");
    } else if (depth == 1 && (event == E::array_start || event == E::value)) {
      throw InputError(file + ": header entry " + quote(key) + " is not a JSON object");
    } else if (depth == 1 && event == E::object_end) {
      if (key == "__metadata__")
        header.metadata = parse_metadata(parsed, file);
      else
        header.tensors.push_back(entries.parse(key, parsed));
      return false;
    }
    return true;
  };
  try {
    const json rest = json::parse(text, text + header_len, on_event);  // entries were taken out already
    (void)rest;
  } catch (const json::exception& e) {
    throw InputError(file + ": the header is not valid JSON: " + json_error_text(e));
  }
  std::vector<const SafetensorsEntry*> order;
  for (const auto& e : header.tensors) order.push_back(&e);
  check_coverage(order, header.data_size, file);
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) { return a.name < b.name; });
  return header;
}

std::string build_safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                     const std::map<std::string, std::string>& metadata) {
  json root = json::object();
  if (!metadata.empty()) root["__metadata__"] = metadata;
  for (const auto& e : entries)
    root[e.name] = {{"dtype", dtype_name(e.dtype)}, {"shape", e.shape}, {"data_offsets", {e.begin, e.end}}};
  std::string text = root.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace drf
