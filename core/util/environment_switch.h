// The on/off switches of docs/gpu.md (A/B measurements, reproducible runs): a variable set to
// exactly "0" turns a default-on path off, exactly "1" turns a default-off path on; unset or
// anything else keeps the default.
#pragma once
#include <cstdlib>
#include <cstring>

namespace drf {

inline bool environment_says(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, value) == 0;
}
inline bool environment_says_off(const char* name) { return environment_says(name, "0"); }
inline bool environment_says_on(const char* name) { return environment_says(name, "1"); }

}  // namespace drf
