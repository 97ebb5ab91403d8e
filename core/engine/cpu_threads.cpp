#include "core/engine/cpu_threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <link.h>
#include <sched.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "core/util/log.h"
#include "core/util/openmp_wait_policy.h"

namespace drf {
namespace {

bool read_int(const std::string& path, long& out) {
  std::ifstream in(path);
  return static_cast<bool>(in >> out);
}

// cgroup v2 "cpu.max" holds "<quota> <period>" or "max <period>"; 0 when there is no limit.
int cgroup_cpu_limit() {
  std::ifstream in("/sys/fs/cgroup/cpu.max");
  std::string quota;
  long period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  const long q = std::atol(quota.c_str());
  return q > 0 ? static_cast<int>((q + period - 1) / period) : 0;
}

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

std::string loaded_blas() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (!info->dlpi_name || !*info->dlpi_name) return 0;
        const std::string name = std::filesystem::path(info->dlpi_name).filename().string();
        for (const char* prefix : {"libblas.so", "libopenblas", "libblis", "libmkl_rt", "libmkl_core"}) {
          if (name.rfind(prefix, 0) == 0) {
            *static_cast<std::string*>(data) = info->dlpi_name;
            return 1;
          }
        }
        return 0;
      },
      &found);
  if (found.empty()) return found;
  std::error_code ec;
  const auto real = std::filesystem::canonical(found, ec);
  return ec ? found : real.string();
}

CpuThreadSetup setup_once() {
  CpuThreadSetup s;
  s.physical_cores = usable_physical_cores();
  s.from_environment = env_set("OMP_NUM_THREADS") || env_set("MKL_NUM_THREADS");
  s.free_cores = s.from_environment ? s.physical_cores : free_physical_cores(s.physical_cores);
  // One thread per usable core, NOT per core free at this moment: another thread count splits
  // LibTorch's reductions differently, and the same settings then give other pixels (random:tiny,
  // seed 12: 1 vs 2 threads differ), so an image restored from its PNG would not reproduce when
  // the machine is busier. Sleeping OpenMP workers (openmp_wait_policy.h) keep a shared CPU fast.
  if (!s.from_environment && at::get_num_threads() != s.physical_cores) at::set_num_threads(s.physical_cores);
  s.intra_op_threads = at::get_num_threads();
  s.blas_library = loaded_blas();
  // Debian's netlib reference BLAS lives in .../blas/libblas.so.3 (OpenBLAS and BLIS in their own folders).
  s.reference_blas = s.blas_library.find("/blas/libblas.so") != std::string::npos;
  // OpenBLAS exports its controls from whichever variant the libblas.so.3 alternative loaded.
  using GetParallel = int (*)();
  using SetThreads = void (*)(int);
  const auto get_parallel = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (get_parallel) s.openblas_threading = get_parallel();
  if (s.openblas_threading == 1 && set_threads && s.intra_op_threads > 1 && !env_set("OPENBLAS_NUM_THREADS")) {
    set_threads(1);
    s.openblas_pool_limited = true;
  }
  static const char* const kOpenBlasThreading[] = {"serial", "own pthread pool", "OpenMP"};
  const std::string openblas =
      !s.reference_blas && s.openblas_threading >= 0 && s.openblas_threading <= 2
          ? std::string(" (OpenBLAS, ") + kOpenBlasThreading[s.openblas_threading] +
                (s.openblas_pool_limited ? ", limited to 1 thread beside LibTorch's pool)" : ")")
          : std::string();
  core_log()->info("CPU: {} intra-op threads ({} usable physical cores, {} free by the load average{}; OpenMP wait policy {}), BLAS {}{}",
                   s.intra_op_threads, s.physical_cores, s.free_cores,
                   s.from_environment ? "; set by OMP_NUM_THREADS/MKL_NUM_THREADS" : "", openmp_wait_policy(),
                   s.blas_library.empty() ? "built into LibTorch" : s.blas_library, openblas);
  if (s.reference_blas)
    core_log()->warn(
        "LibTorch calls the reference BLAS {}: CPU generation is several times slower than with "
        "OpenBLAS (install libopenblas0-openmp, which takes over libblas.so.3)",
        s.blas_library);
  return s;
}

}  // namespace

int usable_physical_cores() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  std::set<std::pair<long, long>> cores;  // (package, core) of every allowed CPU
  int cpus = 0;
  bool topology_known = sched_getaffinity(0, sizeof(mask), &mask) == 0;
  if (topology_known) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &mask)) continue;
      ++cpus;
      const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
      long package = 0, core = 0;
      if (read_int(dir + "physical_package_id", package) && read_int(dir + "core_id", core))
        cores.emplace(package, core);
      else
        topology_known = false;
    }
  }
  int n = topology_known ? static_cast<int>(cores.size()) : cpus;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  const int quota = cgroup_cpu_limit();
  if (quota > 0) n = std::min(n, quota);
  return std::max(1, n);
}

int free_cores_given_load(int usable, double busy_cpus, int online_cpus) {
  if (usable < 1) return 1;
  if (online_cpus < 1) return usable;
  const double idle_share = 1.0 - std::clamp(busy_cpus, 0.0, static_cast<double>(online_cpus)) / online_cpus;
  return std::clamp(static_cast<int>(std::lround(idle_share * usable)), 1, usable);
}

int free_physical_cores(int usable) {
  // The 1-minute load average (runnable tasks): an instant read. A /proc/stat sample needed a
  // 100 ms wait on every start, for a number that is only logged.
  std::ifstream in("/proc/loadavg");
  double load = 0;
  if (!(in >> load)) return usable;
  return free_cores_given_load(usable, load, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
}

CpuThreadSetup configure_cpu_threads() {
  static std::once_flag once;
  static CpuThreadSetup result;
  std::call_once(once, [] { result = setup_once(); });
  return result;
}

}  // namespace drf
