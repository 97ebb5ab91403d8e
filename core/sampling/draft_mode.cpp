#include "core/sampling/draft_mode.h"

#include <cctype>

#include "core/util/errors.h"

namespace drf {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Sequential: return "sequential";
    case Mode::Conservative: return "conservative";
    case Mode::Aggressive: return "aggressive";
  }
  return "sequential";
}

Mode parse_mode(const std::string& s) {
  std::string l = s;
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "sequential") return Mode::Sequential;
  if (l == "conservative") return Mode::Conservative;
  if (l == "aggressive") return Mode::Aggressive;
  throw UsageError("unknown mode '" + s + "' (expected sequential, conservative or aggressive)");
}

}  // namespace drf
