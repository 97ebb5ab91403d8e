#include "core/util/openmp_wait_policy.h"

#include <unistd.h>

#include <cstdlib>

namespace drf {

void ensure_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;  // the user's choice, or we already re-executed
  if (!argv || !argv[0]) return;
  if (::setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  // /proc/self/exe is this binary whatever argv[0] says (a relative path, a symlink, PATH
  // lookup); argv (NULL-terminated by the C standard) is passed on unchanged.
  ::execv("/proc/self/exe", argv);
  // Still here: exec failed (no /proc). Run on with the default policy, which libgomp has read.
  ::unsetenv("OMP_WAIT_POLICY");
}

const char* openmp_wait_policy() {
  const char* v = std::getenv("OMP_WAIT_POLICY");
  return v && *v ? v : "default (spinning)";
}

}  // namespace drf
