#include "core/models/loaders/config_json.h"

#include "core/io/json_file.h"
#include "core/util/errors.h"

namespace drf::config_json {
namespace {

[[noreturn]] void bad(const std::string& where, const char* key, const std::string& what) {
  throw InputError(where + ": field '" + key + "' " + what);
}

int64_t as_int(const nlohmann::json& v, const char* key, const std::string& where, int64_t min, int64_t max) {
  if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>()))))
    bad(where, key, "must be an integer, got " + v.dump());
  const int64_t x = v.is_number_integer() ? v.get<int64_t>() : static_cast<int64_t>(v.get<double>());
  if (x < min || x > max)
    bad(where, key, "is " + std::to_string(x) + ", outside " + std::to_string(min) + ".." + std::to_string(max));
  return x;
}

}  // namespace

nlohmann::json read_file(const std::string& path) {
  JsonLimits limits;
  limits.max_bytes = 1u << 20;
  limits.max_depth = 8;
  return read_json_file(path, limits);
}

bool has(const nlohmann::json& j, const char* key) { return j.is_object() && j.contains(key) && !j.at(key).is_null(); }

int64_t get_int(const nlohmann::json& j, const char* key, int64_t fallback, const std::string& where, int64_t min,
                int64_t max) {
  return has(j, key) ? as_int(j.at(key), key, where, min, max) : fallback;
}

double get_number(const nlohmann::json& j, const char* key, double fallback, const std::string& where) {
  if (!has(j, key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_number()) bad(where, key, "must be a number, got " + v.dump());
  return v.get<double>();
}

bool get_bool(const nlohmann::json& j, const char* key, bool fallback, const std::string& where) {
  if (!has(j, key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_boolean()) bad(where, key, "must be true or false, got " + v.dump());
  return v.get<bool>();
}

std::string get_string(const nlohmann::json& j, const char* key, const std::string& fallback, const std::string& where) {
  if (!has(j, key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_string()) bad(where, key, "must be a string, got " + v.dump());
  return v.get<std::string>();
}

std::vector<std::string> get_strings(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!has(j, key)) bad(where, key, "is missing");
  const auto& v = j.at(key);
  if (!v.is_array() || v.empty() || v.size() > 16) bad(where, key, "must be a list of 1 to 16 strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) bad(where, key, "must hold strings, got " + e.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<int64_t> get_ints(const nlohmann::json& j, const char* key, const std::string& where, int64_t min,
                              int64_t max) {
  if (!has(j, key)) bad(where, key, "is missing");
  const auto& v = j.at(key);
  if (!v.is_array() || v.empty() || v.size() > 16) bad(where, key, "must be a list of 1 to 16 integers");
  std::vector<int64_t> out;
  for (const auto& e : v) out.push_back(as_int(e, key, where, min, max));
  return out;
}

std::vector<int64_t> get_int_or_list(const nlohmann::json& j, const char* key, std::size_t count, int64_t fallback,
                                     const std::string& where, int64_t min, int64_t max) {
  if (!has(j, key)) return std::vector<int64_t>(count, fallback);
  const auto& v = j.at(key);
  if (!v.is_array()) return std::vector<int64_t>(count, as_int(v, key, where, min, max));
  if (v.size() != count)
    bad(where, key, "has " + std::to_string(v.size()) + " entries, expected one per block (" + std::to_string(count) + ")");
  std::vector<int64_t> out;
  for (const auto& e : v) out.push_back(as_int(e, key, where, min, max));
  return out;
}

void require_absent_or(const nlohmann::json& j, const char* key, const nlohmann::json& allowed, const std::string& where) {
  if (!has(j, key)) return;
  const auto& v = j.at(key);
  if (allowed.is_array()) {
    for (const auto& a : allowed)
      if (v == a) return;
  } else if (v == allowed) {
    return;
  }
  bad(where, key, "= " + v.dump() + " is not supported (this implementation covers " + allowed.dump() + ")");
}

}  // namespace drf::config_json
