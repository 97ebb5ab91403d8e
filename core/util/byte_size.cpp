#include "core/util/byte_size.h"

#include <cstdio>

namespace drf {

std::string approximate_size(int64_t bytes) {
  char buf[48];
  const double gb = static_cast<double>(bytes) / 1e9;
  if (gb >= 10) std::snprintf(buf, sizeof buf, "%.0f GB", gb);
  else if (gb >= 1) std::snprintf(buf, sizeof buf, "%.1f GB", gb);
  else if (bytes >= 1000000) std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(bytes) / 1e6);
  else if (bytes >= 1000) std::snprintf(buf, sizeof buf, "%.0f kB", static_cast<double>(bytes) / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  return buf;
}

}  // namespace drf
