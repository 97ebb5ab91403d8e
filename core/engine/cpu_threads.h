// CPU start-up: LibTorch's intra-op thread count and a check of the BLAS it calls.
//
// LibTorch sizes its intra-op pool from cpuinfo's core count, which some virtual machines report
// as 1 (2-core KVM guests here: every CPU generation ran on one thread). The engine therefore sets
// the count itself, once, to the physical cores this process may use: the CPU affinity mask, one
// thread per core (SMT siblings share the vector units GEMM and convolution saturate), capped by a
// cgroup v2 CPU quota. It is not lowered to the cores other programs leave free (measured and
// logged, a 100 ms sample of /proc/stat): another thread count splits reductions differently and
// the same settings would give other pixels on a busier machine. OMP_NUM_THREADS or MKL_NUM_THREADS,
// when set, win: LibTorch honours them. Idle OpenMP workers sleep rather than spin
// (core/util/openmp_wait_policy.h, applied by every entry point's main()).
#pragma once
#include <string>

namespace drf {

struct CpuThreadSetup {
  int physical_cores = 0;     // usable physical cores found (affinity, topology, quota)
  int free_cores = 0;         // of those, the cores the 1-minute load average leaves idle (logged only)
  int intra_op_threads = 0;   // LibTorch's count after the set-up
  bool from_environment = false;  // OMP_NUM_THREADS / MKL_NUM_THREADS decided it
  // The BLAS library loaded into the process (symlinks resolved), empty when LibTorch links none
  // (PyTorch's own builds carry MKL inside). Debian's LibTorch calls the libblas.so.3 alternative;
  // the netlib reference implementation there makes a CPU image about 6x slower than OpenBLAS.
  std::string blas_library;
  bool reference_blas = false;
  // OpenBLAS's threading (openblas_get_parallel: 0 serial, 1 its own pthread pool, 2 OpenMP), -1 when
  // the BLAS is not OpenBLAS. A pthread pool next to LibTorch's OpenMP pool oversubscribes the cores
  // (both spin-wait), so that pool is cut to one thread: on 2 cores 3.7-4.5 s per image, not 11-17 s.
  int openblas_threading = -1;
  bool openblas_pool_limited = false;
};

// Usable physical cores: CPUs in the affinity mask, SMT siblings counted once (sysfs topology),
// at most the cgroup v2 quota (cpu.max) rounded up; never less than 1.
int usable_physical_cores();

// The share of `usable` cores a load leaves idle: (1 - its busy fraction of the online CPUs) *
// usable, rounded, at least 1. `busy_cpus` counts CPUs' worth of work (0 .. online_cpus; the load
// average lags, counts tasks waiting for I/O and is machine-wide in a container: a rough, logged
// figure). Pure arithmetic, for tests.
int free_cores_given_load(int usable, double busy_cpus, int online_cpus);
// free_cores_given_load(usable, the 1-minute load average of /proc/loadavg, online CPUs);
// `usable` when /proc/loadavg is unreadable.
int free_physical_cores(int usable);

// Sets LibTorch's intra-op threads as described above and logs them with the BLAS found (a warning
// for the reference BLAS), on the first call only (later calls return the first result). Called by
// drf::Engine's constructor, so the CLI, the GUI and driffusion-train bench share it.
CpuThreadSetup configure_cpu_threads();

}  // namespace drf
