#include "core/util/openmp_wait_policy.h"

#include <alloca.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace drf {

// Called from the entry points' .preinit_array, before any shared library's initialiser: the
// first process image has only been mapped and relocated, not initialised, so no LibTorch
// operator registration, OpenBLAS or CUDA start-up is thrown away (a re-exec from main()
// doubled the start: 1.9 s instead of 1.0 s for `driffusion --version` on a 2-core CPU
// machine). Only plain C library calls on the process's own arrays and a stack array here:
// the C library has not initialised its own state yet.
void reexec_with_passive_openmp(int, char** argv, char** envp) {
  if (!argv || !argv[0] || !envp) return;
  static const char kSetting[] = "OMP_WAIT_POLICY=";
  std::size_t n = 0;
  for (; envp[n]; ++n)
    if (std::strncmp(envp[n], kSetting, sizeof kSetting - 1) == 0) return;  // set: the user's or ours
  auto** env = static_cast<char**>(alloca((n + 2) * sizeof(char*)));
  std::memcpy(env, envp, n * sizeof(char*));
  env[n] = const_cast<char*>("OMP_WAIT_POLICY=passive");
  env[n + 1] = nullptr;
  ::execve("/proc/self/exe", argv, env);
  // Still here (no /proc): main()'s ensure_passive_openmp_wait() tries the late way.
}
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
