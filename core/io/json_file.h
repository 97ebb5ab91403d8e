// JSON from untrusted files (config.json, scheduler_config.json, vocab.json, model_index.json):
// size and nesting depth capped, syntax and UTF-8 errors reported with the file, line and
// column, and small typed getters whose errors name the file and the key.
#pragma once
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace drf {

struct JsonLimits {
  std::size_t max_bytes = 16u << 20;
  int max_depth = 64;  // containers nested inside each other; the root object counts as 1
};

// Throws InputError "<file>: ..." for a missing/oversized file, bad syntax, invalid UTF-8 or
// nesting deeper than the limit.
nlohmann::json read_json_file(const std::string& path, const JsonLimits& limits = {});
// The same checks for text already in memory; `file` names it in messages.
nlohmann::json parse_json_text(const std::string& text, const std::string& file, const JsonLimits& limits = {});

// Typed access to a key of a JSON object. A missing key or a null value gives `fallback`; a value
// of the wrong type or out of range throws InputError "<file>: key 'k' ...".
bool has_key(const nlohmann::json& obj, const std::string& key);
int get_int(const nlohmann::json& obj, const std::string& key, int fallback, const std::string& file);
std::int64_t get_int64(const nlohmann::json& obj, const std::string& key, std::int64_t fallback,
                       const std::string& file);
double get_double(const nlohmann::json& obj, const std::string& key, double fallback, const std::string& file);
bool get_bool(const nlohmann::json& obj, const std::string& key, bool fallback, const std::string& file);
std::string get_string(const nlohmann::json& obj, const std::string& key, const std::string& fallback,
                       const std::string& file);
// InputError unless `value` is a JSON object; `what` says what it should be.
void require_object(const nlohmann::json& value, const std::string& file, const std::string& what);

}  // namespace drf
