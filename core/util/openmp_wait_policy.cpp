#include "core/util/openmp_wait_policy.h"

#include <alloca.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace drf {
namespace {

// A policy the user set, for this runtime or for all (GCC 13's OMP_WAIT_POLICY_ALL), or ours.
bool policy_set_in(char** envp) {
  static const char kOne[] = "OMP_WAIT_POLICY=", kAll[] = "OMP_WAIT_POLICY_ALL=";
  for (char** e = envp; *e; ++e)
    if (std::strncmp(*e, kOne, sizeof kOne - 1) == 0 || std::strncmp(*e, kAll, sizeof kAll - 1) == 0) return true;
  return false;
}

// Started as `ld.so PROGRAM ...` (AT_BASE 0): /proc/self/exe is the loader then, which would read
// our arguments as its own. No re-exec.
bool started_by_the_loader() { return ::getauxval(AT_BASE) == 0; }

// Executes this program again with `env`. The kernel names a process after the file it executes:
// "/proc/self/exe" would show as "exe" in ps, top and pkill, so the link's target goes first (it
// is this binary whatever argv[0] says: a relative path, a symlink, a PATH lookup); the link
// itself when that fails (the file replaced since the start). Returns only when both fail.
void exec_self(char** argv, char** env) {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0 && n < static_cast<ssize_t>(sizeof path - 1)) {
    path[n] = '\0';
    ::execve(path, argv, env);
  }
  ::execve("/proc/self/exe", argv, env);
}

}  // namespace

// Called from the entry points' .preinit_array, before any shared library's initialiser: the
// first process image has only been mapped and relocated, not initialised, so no LibTorch
// operator registration, OpenBLAS or CUDA start-up is thrown away (a re-exec from main()
// doubled the start: 1.9 s instead of 1.0 s for `driffusion --version` on a 2-core CPU
// machine). Only plain C library calls on the process's own arrays and stack arrays here: the
// C library has not initialised its own state yet.
void reexec_with_passive_openmp(int, char** argv, char** envp) {
  if (!argv || !argv[0] || !envp || policy_set_in(envp) || started_by_the_loader()) return;
  std::size_t n = 0;
  while (envp[n]) ++n;
  auto** env = static_cast<char**>(alloca((n + 2) * sizeof(char*)));
  std::memcpy(env, envp, n * sizeof(char*));
  env[n] = const_cast<char*>("OMP_WAIT_POLICY=passive");
  env[n + 1] = nullptr;
  exec_self(argv, env);
  // Still here (no /proc): main()'s ensure_passive_openmp_wait() tries once more, then runs on.
}

void ensure_passive_openmp_wait(char** argv) {
  // The same re-exec with the environment as it is now; still here when the variable is set
  // (the user's choice, or we already re-executed) or the exec failed (no /proc: the process
  // runs on with the default policy, which libgomp has read).
  reexec_with_passive_openmp(0, argv, environ);
}

const char* openmp_wait_policy() {
  const char* v = std::getenv("OMP_WAIT_POLICY");
  return v && *v ? v : "default (spinning)";
}

}  // namespace drf
