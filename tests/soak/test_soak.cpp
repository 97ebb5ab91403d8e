// Soak test: 200 generations in a row through the engine facade (built-in model on the CPU
// unless DRIFFUSION_SOAK_MODEL says otherwise), changing mode, width, sampler and seed. After
// a warm-up, resident memory must stay flat: growth below 48 MiB over the remaining jobs
// (allocator caches settle during the warm-up; a per-job leak of one 64x64 image pipeline
// would exceed that within the run).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "core/engine/engine.h"

using namespace drf;

namespace {

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

}  // namespace

TEST(Soak, TwoHundredGenerationsKeepMemoryFlat) {
  const char* env_model = std::getenv("DRIFFUSION_SOAK_MODEL");
  const std::string model = env_model ? env_model : "builtin";
  const char* env_jobs = std::getenv("DRIFFUSION_SOAK_JOBS");
  const int jobs = env_jobs ? std::atoi(env_jobs) : 200;
  const int warmup = 20;
  Engine engine;
  const Mode modes[] = {Mode::Sequential, Mode::Conservative, Mode::Aggressive};
  const SamplerKind samplers[] = {SamplerKind::DDIM, SamplerKind::Euler, SamplerKind::DDPM};
  const char* prompts[] = {"grinning face", "red heart", "", "rocket twitter style", "cat face google style"};
  double after_warmup = 0;
  std::size_t events = 0;
  for (int j = 0; j < jobs; ++j) {
    GenerationSettings s;
    s.model = model;
    s.prompt = prompts[j % 5];
    s.seed = static_cast<std::uint64_t>(j);
    s.steps = 4 + j % 3;
    s.mode = modes[j % 3];
    s.width = 1 + j % 3;
    s.sampler = samplers[(j / 3) % 3];
    auto r = engine.generate(s, [&](const JobEvent&) { ++events; });
    ASSERT_FALSE(r.image.empty()) << "job " << j;
    if (j == warmup - 1) after_warmup = resident_mib();
  }
  const double end = resident_mib();
  std::printf("resident memory after %d warm-up jobs: %.1f MiB, after %d jobs: %.1f MiB (%zu events)\n", warmup,
              after_warmup, jobs, end, events);
  EXPECT_LT(end - after_warmup, 48.0);
}
