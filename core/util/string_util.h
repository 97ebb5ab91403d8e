// Small string predicates used by the loaders and the engine. One definition here instead of a
// private copy per file (the unity build also refuses two copies in one batch).
#pragma once
#include <charconv>
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

// The shortest text that reads back to the same double, whatever the C locale (a GUI under a
// German locale must still write "7.5", not "7,5").
inline std::string shortest_number_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace drf
