// OpenMP worker threads that sleep instead of spinning when the CPU is shared.
//
// LibTorch's intra-op pool is OpenMP (libgomp). By default its idle workers spin-wait for the
// next parallel region; when other programs compete for the cores that spinning takes their time
// and ours: one built-in image on 2 cores with 2 busy processes took 140 s instead of 4.2 s.
// OMP_WAIT_POLICY=passive makes idle workers sleep, but libgomp reads the variable when it is
// loaded, before main() runs, so setting it in main() is too late (and setting it in a
// .preinit_array function is undone when the C library initialises its environment). So when
// the variable is unset the program re-executes itself with it set (once: the new process finds
// it set). Every entry point (the CLI's and the GUI's main.cpp) puts reexec_with_passive_openmp
// in its ELF .preinit_array, which runs before any library initialiser, and calls
// ensure_passive_openmp_wait() first thing in main(), which re-executes the late way should the
// early one have failed. A value the user set (even "active", also as OMP_WAIT_POLICY_ALL) is
// respected; so is a start through the dynamic loader (`ld.so driffusion ...`), which is not
// re-executed. Set the variable yourself to debug or profile without the exec. Plain C++: the
// GUI's main includes it.
#pragma once

namespace drf {

// Re-executes the program with OMP_WAIT_POLICY=passive when the variable is unset; returns when
// it is set already, or when the re-exec failed (then the process runs with the default policy
// and openmp_wait_policy() says so).
void ensure_passive_openmp_wait(char** argv);

// Re-executes the program with OMP_WAIT_POLICY=passive added to its environment when the
// variable is unset; for an entry point's .preinit_array (argc, argv, envp as the loader passes
// them):
//   __attribute__((section(".preinit_array"), used)) static void (*const early)(int, char**, char**) =
//       &drf::reexec_with_passive_openmp;
void reexec_with_passive_openmp(int argc, char** argv, char** envp);

// The policy in effect for this process: the variable's value, or "default (spinning)".
const char* openmp_wait_policy();

}  // namespace drf
