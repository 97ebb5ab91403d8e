// Small string predicates used by the loaders and the engine. One definition here instead of a
// private copy per file (the unity build also refuses two copies in one batch).
#pragma once
#include <string>

namespace drf {

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The text up to the first line break: error messages of external libraries (Gloo, TCPStore)
// carry stack traces after it.
inline std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace drf
