// Typed reads of model config.json fields with errors that name the file and the key.
// Model files are untrusted: a wrong type or an absurd value is an InputError, never a crash.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace drf::config_json {

// Reads and parses a JSON file (at most 1 MiB: model configs are a few KB).
nlohmann::json read_file(const std::string& path);

bool has(const nlohmann::json& j, const char* key);  // present and not null
int64_t get_int(const nlohmann::json& j, const char* key, int64_t fallback, const std::string& where,
                int64_t min = 0, int64_t max = 1 << 20);
double get_number(const nlohmann::json& j, const char* key, double fallback, const std::string& where);
bool get_bool(const nlohmann::json& j, const char* key, bool fallback, const std::string& where);
std::string get_string(const nlohmann::json& j, const char* key, const std::string& fallback, const std::string& where);
std::vector<std::string> get_strings(const nlohmann::json& j, const char* key, const std::string& where);
// An int, or a list of `count` ints (diffusers allows both for per-block fields).
std::vector<int64_t> get_int_or_list(const nlohmann::json& j, const char* key, std::size_t count, int64_t fallback,
                                     const std::string& where, int64_t min = 1, int64_t max = 1 << 20);
std::vector<int64_t> get_ints(const nlohmann::json& j, const char* key, const std::string& where, int64_t min = 1,
                              int64_t max = 1 << 20);
// Rejects a field that is present with a value other than the ones this code implements.
void require_absent_or(const nlohmann::json& j, const char* key, const nlohmann::json& allowed, const std::string& where);

}  // namespace drf::config_json
