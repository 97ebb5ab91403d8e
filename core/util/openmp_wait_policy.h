// OpenMP worker threads that sleep instead of spinning when the CPU is shared.
//
// LibTorch's intra-op pool is OpenMP (libgomp). By default its idle workers spin-wait for the
// next parallel region; when other programs compete for the cores that spinning takes their time
// and ours: one built-in image on 2 cores with 2 busy processes took 140 s instead of 4.2 s.
// OMP_WAIT_POLICY=passive makes idle workers sleep, but libgomp reads the variable when it is
// loaded, before main() runs, so setting it in main() is too late. Every entry point therefore
// calls this first thing in main(): when the variable is unset it sets it and re-executes the
// same binary with the same arguments (once: the new process finds it set). A value the user
// set (even "active") is respected. Plain C++: the GUI's main includes it.
#pragma once

namespace drf {

// Re-executes the program with OMP_WAIT_POLICY=passive when the variable is unset; returns when
// it is set already, or when the re-exec failed (then the process runs with the default policy
// and openmp_wait_policy() says so).
void ensure_passive_openmp_wait(char** argv);

// The policy in effect for this process: the variable's value, or "default (spinning)".
const char* openmp_wait_policy();

}  // namespace drf
