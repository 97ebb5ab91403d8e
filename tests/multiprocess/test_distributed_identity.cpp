// driffusion generate --distributed on the CPU (issue 23): three processes of the built-in
// model produce the image of one process, pixel for pixel in the PNG, with the planner's
// latency count, in both modes and with a stochastic sampler, started by hand, by torchrun and
// by mpirun.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/image/image_file.h"
#include "core/sampling/draft_plan.h"
#include "tests/multiprocess/distributed_test_util.h"

namespace drf::test {
namespace {

namespace fs = std::filesystem;

// One process, the same job: the reference image.
RgbImage single_process_image(const Scratch& s, const std::string& mode, const std::string& sampler, int steps) {
  ChildGroup g(s.dir.string());
  const fs::path out = s.dir / "single.png";
  g.start(DRIFFUSION_CLI_PATH, job_args(mode, sampler, steps, out), {"OMP_NUM_THREADS=1"});
  const auto exits = g.wait_all(120);
  EXPECT_EQ(exits[0].exit_code, 0) << dump(exits);
  return read_image_rgb8(out);
}

enum class Launcher { kByHand, kTorchrun, kMpirun };

// The job over three processes; returns rank 0's JSON.
nlohmann::json check_distributed(const Scratch& s, const std::string& mode, const std::string& sampler, int steps,
                                 Launcher launcher) {
  const RgbImage reference = single_process_image(s, mode, sampler, steps);
  const fs::path out = s.dir / "distributed.png";
  auto args = job_args(mode, sampler, steps, out);
  args.push_back("--distributed");
  const int port = free_port();
  ChildGroup g(s.dir.string());
  if (launcher == Launcher::kTorchrun) {
    const std::string py = python_with_torchrun();
    // Each rank's stdout to its own log file (rank 0's holds the JSON); --redirects/--tee given
    // explicitly: torchrun 1.13's default "0" turns into None under Python 3.11 (its Std flag
    // enum no longer lists NONE) and the launcher dies before starting a worker.
    std::vector<std::string> launch{"-m",          "torch.distributed.run", "--nproc_per_node", std::to_string(kWorld),
                                    "--master_port", std::to_string(port),  "--redirects",      "1",
                                    "--tee",         "2",                   "--log_dir",        (s.dir / "logs").string(),
                                    "--no_python",   DRIFFUSION_CLI_PATH};
    launch.insert(launch.end(), args.begin(), args.end());
    g.start(py, launch, {"OMP_NUM_THREADS=1"});
  } else if (launcher == Launcher::kMpirun) {
    // Open MPI sets OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK; the store's address comes with -x.
    // --output-filename gives each rank's stdout its own file (<dir>/1/rank.N/stdout).
    std::vector<std::string> launch{"-np",    std::to_string(kWorld),
                                    "--oversubscribe",  // CI has 2 cores, the job 3 ranks
                                    "--output-filename", (s.dir / "logs").string(),
                                    "-x",     "MASTER_ADDR=127.0.0.1",
                                    "-x",     "MASTER_PORT=" + std::to_string(port),
                                    "-x",     "OMP_NUM_THREADS=1",
                                    DRIFFUSION_CLI_PATH};
    launch.insert(launch.end(), args.begin(), args.end());
    // CI runs as root, which Open MPI refuses unless told twice.
    g.start("mpirun", launch, {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"});
  } else {
    for (int r = 0; r < kWorld; ++r) g.start(DRIFFUSION_CLI_PATH, args, rank_env(r, kWorld, port));
  }
  const auto exits = g.wait_all(120);
  for (const auto& e : exits) EXPECT_EQ(e.exit_code, 0) << dump(exits);
  EXPECT_TRUE(fs::exists(out)) << dump(exits);
  if (!fs::exists(out)) return {};
  const RgbImage image = read_image_rgb8(out);
  EXPECT_EQ(image.width, reference.width);
  EXPECT_EQ(image.height, reference.height);
  EXPECT_TRUE(image.pixels == reference.pixels) << "the 3-process image differs from the single-process one";

  // Rank 0 alone prints the JSON; under a launcher every rank's stdout is in the log folder.
  std::vector<std::string> outs;
  if (launcher == Launcher::kMpirun) {
    for (int r = 0; r < kWorld; ++r) {
      const fs::path log = s.dir / "logs" / "1" / ("rank." + std::to_string(r)) / "stdout";
      if (fs::exists(log)) outs.push_back(read_text(log.string()));
    }
    EXPECT_EQ(outs.size(), static_cast<std::size_t>(kWorld)) << dump(exits);
  } else if (launcher == Launcher::kTorchrun) {
    for (int r = 0; r < kWorld; ++r)
      for (const auto& e : fs::recursive_directory_iterator(s.dir / "logs"))
        if (e.path().filename() == "stdout.log" && e.path().parent_path().filename() == std::to_string(r))
          outs.push_back(read_text(e.path().string()));
    EXPECT_EQ(outs.size(), static_cast<std::size_t>(kWorld)) << dump(exits);
  } else {
    for (const auto& e : exits) outs.push_back(e.out);
  }
  if (outs.size() != static_cast<std::size_t>(kWorld)) return {};
  const std::string& stdout_text = outs[0];
  const auto begin = stdout_text.find('{');
  EXPECT_NE(begin, std::string::npos) << dump(exits);
  if (begin == std::string::npos) return {};
  const auto j = nlohmann::json::parse(stdout_text.substr(begin));
  const auto& stats = j.at("images").at(0).at("stats");
  // The warm-up that ran (auto: four steps for a stochastic solver, none for DDIM; settings.h).
  const int warmup = j.at("images").at(0).at("settings").at("warmup_steps").get<int>();
  EXPECT_EQ(warmup, sampler == "ddim" ? 0 : 4);
  const DraftPlan plan =
      plan_draft_refine(steps, 3, mode == "aggressive" ? Mode::Aggressive : Mode::Conservative, warmup);
  EXPECT_EQ(stats.at("serial_latencies").get<int>(), plan.serial_latencies());
  EXPECT_EQ(stats.at("devices").size(), static_cast<std::size_t>(kWorld)) << stats.dump();
  EXPECT_TRUE(outs[1].empty()) << "rank 1 printed: " << outs[1];
  EXPECT_TRUE(outs[2].empty()) << "rank 2 printed: " << outs[2];
  return j;
}

TEST(DistributedGenerate, AggressiveWidth3UnderTorchrunMatchesOneProcess) {
  if (python_with_torchrun().empty()) GTEST_SKIP() << "no python3 with torch.distributed.run (Debian: python3-torch)";
  Scratch s;
  check_distributed(s, "aggressive", "ddim", 6, Launcher::kTorchrun);
}

TEST(DistributedGenerate, AggressiveWidth3UnderMpirunMatchesOneProcess) {
  if (std::system("mpirun --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mpirun (Debian: openmpi-bin)";
  Scratch s;
  check_distributed(s, "aggressive", "ddim", 6, Launcher::kMpirun);
}

TEST(DistributedGenerate, ConservativeWidth3MatchesOneProcess) {
  Scratch s;
  check_distributed(s, "conservative", "ddim", 6, Launcher::kByHand);
}

TEST(DistributedGenerate, StochasticSamplerMatchesOneProcess) {
  Scratch s;
  check_distributed(s, "aggressive", "euler_a", 8, Launcher::kByHand);  // 4 warm-up steps, then rounds of 3
}

}  // namespace
}  // namespace drf::test
