// The engine sizes LibTorch's intra-op pool to the usable physical cores (cpuinfo reports 1 core
// on some virtual machines, which left CPU generation on one thread), on every thread that runs
// LibTorch work, and leaves the count to OMP_NUM_THREADS when that is set.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
#include <thread>

#include "core/engine/cpu_threads.h"
#include "core/engine/engine.h"
#include "core/util/openmp_wait_policy.h"

namespace {

int cpus_in_affinity_mask() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return static_cast<int>(std::thread::hardware_concurrency());
  return CPU_COUNT(&mask);
}

TEST(CpuThreads, UsableCoresAreWithinTheAffinityMask) {
  const int cores = drf::usable_physical_cores();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, cpus_in_affinity_mask());
}

TEST(CpuThreads, EngineSetsIntraOpThreadsToTheCoresOnEveryThread) {
  // This process must decide the count itself (the test is run without OMP_NUM_THREADS by ctest;
  // a caller who sets it gets the environment's count, checked below instead).
  const bool env = (std::getenv("OMP_NUM_THREADS") && *std::getenv("OMP_NUM_THREADS")) ||
                   (std::getenv("MKL_NUM_THREADS") && *std::getenv("MKL_NUM_THREADS"));
  drf::Engine engine;  // the start-up the CLI and the GUI go through
  const drf::CpuThreadSetup setup = drf::configure_cpu_threads();
  EXPECT_EQ(setup.from_environment, env);
  EXPECT_EQ(setup.physical_cores, drf::usable_physical_cores());
  EXPECT_EQ(setup.intra_op_threads, at::get_num_threads());
  // Without the environment: the cores other programs left free at start-up, 1..physical.
  EXPECT_GE(setup.free_cores, 1);
  EXPECT_LE(setup.free_cores, setup.physical_cores);
  // Never lowered for other programs' load: the thread count changes fp32 sums and so the pixels.
  if (!env) EXPECT_EQ(at::get_num_threads(), setup.physical_cores);

  // The GUI generates on a worker thread: LibTorch must apply the same count there.
  int worker_threads = 0;
  std::thread worker([&] { worker_threads = at::get_num_threads(); });
  worker.join();
  EXPECT_EQ(worker_threads, setup.intra_op_threads);

  // The BLAS report is consistent: the reference flag only for Debian's netlib path.
  if (setup.reference_blas) EXPECT_NE(setup.blas_library.find("/blas/libblas.so"), std::string::npos);
  if (setup.blas_library.empty()) EXPECT_FALSE(setup.reference_blas);
}

TEST(CpuThreads, FreeCoresFollowOtherProgramsLoad) {
  // 2 cores, nothing else running: both; one busy process: 1; two or more: still 1 (never 0).
  EXPECT_EQ(drf::free_cores_given_load(2, 0.0, 2), 2);
  EXPECT_EQ(drf::free_cores_given_load(2, 1.0, 2), 1);
  EXPECT_EQ(drf::free_cores_given_load(2, 2.0, 2), 1);
  EXPECT_EQ(drf::free_cores_given_load(2, 5.0, 2), 1);
  // Below half a core of other work rounds to "free".
  EXPECT_EQ(drf::free_cores_given_load(2, 0.4, 2), 2);
  // SMT: 4 physical cores, 8 CPUs online, 2 CPUs' worth busy -> 3 of 4 cores.
  EXPECT_EQ(drf::free_cores_given_load(4, 2.0, 8), 3);
  // Nonsense input stays in range.
  EXPECT_EQ(drf::free_cores_given_load(4, -3.0, 8), 4);
  EXPECT_EQ(drf::free_cores_given_load(0, 0.0, 2), 1);
  EXPECT_EQ(drf::free_cores_given_load(3, 1.0, 0), 3);
}

TEST(CpuThreads, MeasuredFreeCoresAreInRange) {
  const int usable = drf::usable_physical_cores();
  const int free_now = drf::free_physical_cores(usable);
  EXPECT_GE(free_now, 1);
  EXPECT_LE(free_now, usable);
}

TEST(CpuThreads, OpenMpWorkersDoNotSpin) {
  // ctest starts this binary plainly; the CLI and the GUI re-execute themselves with
  // OMP_WAIT_POLICY=passive (tests/cli checks that). Here: the policy the helper reports.
  const char* v = std::getenv("OMP_WAIT_POLICY");
  EXPECT_STREQ(drf::openmp_wait_policy(), v && *v ? v : "default (spinning)");
}

}  // namespace
