#include "core/io/json_file.h"

#include <cmath>
#include <limits>

#include "core/io/file_read.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {

using nlohmann::json;

nlohmann::json parse_json_text(const std::string& text, const std::string& file, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes)
    throw InputError(file + ": the JSON text is " + format_bytes(text.size()) + ", above the " +
                     format_bytes(limits.max_bytes) + " limit");
  // nlohmann's parser reports the depth of each container as it opens; stopping there keeps a
  // hostile "[[[[..." from building a deep tree.
  auto on_event = [&](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= limits.max_depth)
      throw InputError(file + ": JSON nests deeper than " + std::to_string(limits.max_depth) + " levels");
    return true;
  };
  const auto reason = [](const json::exception& e) {
    std::string what = e.what();
    const auto close = what.find("] ");
    return printable_excerpt(close == std::string::npos ? what : what.substr(close + 2), 300);
  };
  try {
    return json::parse(text, on_event);
  } catch (const json::parse_error& e) {
    throw InputError(file + ": invalid JSON (byte " + std::to_string(e.byte) + "): " + reason(e));
  } catch (const json::exception& e) {  // e.g. out_of_range for a number like 1e999999
    throw InputError(file + ": invalid JSON: " + reason(e));
  }
}

nlohmann::json read_json_file(const std::string& path, const JsonLimits& limits) {
  return parse_json_text(read_file_capped(path, limits.max_bytes, "JSON file"), path, limits);
}

namespace {

const json* lookup(const json& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

InputError wrong_type(const std::string& file, const std::string& key, const json& v, const char* expected) {
  const std::string shown = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return InputError(file + ": key '" + key + "' is " + printable_excerpt(shown, 60) + ", expected " + expected);
}

// Integers may be written as 1000 or 1000.0; anything fractional or out of range is refused.
std::int64_t integer_value(const json& v, const std::string& key, const std::string& file, std::int64_t lo,
                           std::int64_t hi) {
  if (v.is_number_unsigned()) {
    if (v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi))
      return static_cast<std::int64_t>(v.get<std::uint64_t>());
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i >= lo && i <= hi) return i;
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::nearbyint(d) == d && d >= static_cast<double>(lo) && d <= static_cast<double>(hi))
      return static_cast<std::int64_t>(d);
  } else {
    throw wrong_type(file, key, v, "an integer");
  }
  throw wrong_type(file, key, v, ("an integer in " + std::to_string(lo) + ".." + std::to_string(hi)).c_str());
}

}  // namespace

bool has_key(const json& obj, const std::string& key) {
  return lookup(obj, key) != nullptr;
}

void require_object(const json& value, const std::string& file, const std::string& what) {
  if (!value.is_object())
    throw InputError(file + ": expected " + what + " (a JSON object), found " + value.type_name());
}

int get_int(const json& obj, const std::string& key, int fallback, const std::string& file) {
  const json* v = lookup(obj, key);
  return v ? static_cast<int>(
                 integer_value(*v, key, file, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()))
           : fallback;
}

std::int64_t get_int64(const json& obj, const std::string& key, std::int64_t fallback, const std::string& file) {
  const json* v = lookup(obj, key);
  // Halved bounds, so that a value written as a float converts to int64 without overflow.
  return v ? integer_value(*v, key, file, std::numeric_limits<std::int64_t>::min() / 2,
                           std::numeric_limits<std::int64_t>::max() / 2)
           : fallback;
}

double get_double(const json& obj, const std::string& key, double fallback, const std::string& file) {
  const json* v = lookup(obj, key);
  if (!v) return fallback;
  if (!v->is_number()) throw wrong_type(file, key, *v, "a number");
  return v->get<double>();
}

bool get_bool(const json& obj, const std::string& key, bool fallback, const std::string& file) {
  const json* v = lookup(obj, key);
  if (!v) return fallback;
  if (!v->is_boolean()) throw wrong_type(file, key, *v, "true or false");
  return v->get<bool>();
}

std::string get_string(const json& obj, const std::string& key, const std::string& fallback, const std::string& file) {
  const json* v = lookup(obj, key);
  if (!v) return fallback;
  if (!v->is_string()) throw wrong_type(file, key, *v, "a string");
  return v->get<std::string>();
}

}  // namespace drf
