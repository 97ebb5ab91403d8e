// Shared by the multi-process suites: a scratch folder per test, the job's command line, the
// environment a launcher gives rank r, and a dump of every child's output for failure messages.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/io/remove_tree.h"
#include "tests/multiprocess/rank_launcher.h"

namespace drf::test {

namespace fs = std::filesystem;
constexpr int kWorld = 3;
constexpr int kPeerFailureExit = 5;  // app/cli/commands.h kPeerFailure

struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() /
          ("driffusion-mp-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    drf::remove_tree(dir);
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    drf::remove_tree(dir, ec);
  }
};

inline std::vector<std::string> job_args(const std::string& mode, const std::string& sampler, int steps, const fs::path& out) {
  return {"generate", "--model",   "builtin", "--prompt", "a red apple", "--seed",  "7",       "--steps",
          std::to_string(steps), "--mode", mode,      "--width",  "3",           "--sampler", sampler, "--out",
          out.string(),          "--json"};
}

inline std::vector<std::string> rank_env(int rank, int world, int port, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> env{"RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world),
                               "LOCAL_RANK=" + std::to_string(rank), "MASTER_ADDR=127.0.0.1",
                               "MASTER_PORT=" + std::to_string(port), "OMP_NUM_THREADS=1"};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

inline std::string dump(const std::vector<ChildExit>& exits) {
  std::string s;
  for (std::size_t i = 0; i < exits.size(); ++i)
    s += "--- child " + std::to_string(i) + " exit " + std::to_string(exits[i].exit_code) + " after " +
         std::to_string(exits[i].seconds) + " s\nstdout:\n" + exits[i].out.substr(0, 2000) + "\nstderr:\n" +
         exits[i].err + "\n";
  return s;
}

}  // namespace drf::test
