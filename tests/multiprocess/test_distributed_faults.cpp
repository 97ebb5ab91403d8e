// driffusion generate --distributed faults (issue 23): a rank killed mid-job makes the others
// exit with code 5 within 30 s naming it (rank and host); a rank that never arrives, or that
// loads different weights, ends the job the same way, with no image written.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/image/image_file.h"
#include "core/sampling/draft_plan.h"
#include "tests/multiprocess/distributed_test_util.h"

namespace drf::test {
namespace {

namespace fs = std::filesystem;

// Launchers (torchrun, mpirun) kill the whole job when one worker dies; started by hand (or
// on hosts no launcher watches) the ranks must notice themselves.
TEST(DistributedGenerate, KilledRankEndsTheOthersWithExitCode5) {
  Scratch s;
  const fs::path out = s.dir / "never.png";
  auto args = job_args("aggressive", "ddim", 400, out);
  args.push_back("--distributed");
  const int port = free_port();
  ChildGroup g(s.dir.string());
  for (int r = 0; r < kWorld; ++r) g.start(DRIFFUSION_CLI_PATH, args, rank_env(r, kWorld, port, {"DRIFFUSION_PEER_TIMEOUT_S=5"}));
  // Rank 0 reports progress once the ranks are sampling together.
  ASSERT_TRUE(g.wait_for_stderr(0, "latencies ", 90)) << dump(g.wait_all(1));
  g.kill_child(1, SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  const auto exits = g.wait_all(30);
  const double after_kill =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  EXPECT_LT(after_kill, 30.0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  for (int r : {0, 2}) {
    EXPECT_FALSE(exits[static_cast<std::size_t>(r)].timed_out) << dump(exits);
    EXPECT_EQ(exits[static_cast<std::size_t>(r)].exit_code, kPeerFailureExit) << dump(exits);
    EXPECT_NE(exits[static_cast<std::size_t>(r)].err.find("rank 1 ("), std::string::npos) << dump(exits);
    EXPECT_NE(exits[static_cast<std::size_t>(r)].err.find(host), std::string::npos) << dump(exits);
  }
  EXPECT_FALSE(fs::exists(out)) << "a partial job wrote an image";
}

TEST(DistributedGenerate, RankThatNeverArrivesIsNamed) {
  Scratch s;
  auto args = job_args("aggressive", "ddim", 6, s.dir / "never.png");
  args.push_back("--distributed");
  const int port = free_port();
  ChildGroup g(s.dir.string());
  for (int r = 0; r < 2; ++r) g.start(DRIFFUSION_CLI_PATH, args, rank_env(r, kWorld, port, {"DRIFFUSION_RENDEZVOUS_TIMEOUT_S=3"}));
  const auto exits = g.wait_all(60);
  for (const auto& e : exits) {
    EXPECT_EQ(e.exit_code, kPeerFailureExit) << dump(exits);
    EXPECT_NE(e.err.find("rank(s) 2 of 3 never arrived"), std::string::npos) << dump(exits);
  }
}

// Same path on every rank, different bytes behind it (each rank has its own working
// directory): the model hashes differ and every rank refuses before sampling.
TEST(DistributedGenerate, DifferentModelFileOnOneRankIsRefused) {
  Scratch s;
  const fs::path unet = fs::path(DRIFFUSION_SOURCE_DIR) / "resources/builtin";
  std::vector<fs::path> cwd;
  for (int r = 0; r < kWorld; ++r) {
    cwd.push_back(s.dir / ("host" + std::to_string(r)));
    fs::create_directories(cwd.back());
    fs::copy(unet, cwd.back() / "model", fs::copy_options::recursive);
  }
  {  // rank 2's copy has one different byte in the middle of a weight
    const fs::path f = cwd[2] / "model/unet/diffusion_pytorch_model.safetensors";
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(fs::file_size(f) / 2));
    io.put('\x3f');
  }
  const int port = free_port();
  ChildGroup g(s.dir.string());
  for (int r = 0; r < kWorld; ++r) {
    auto args = job_args("aggressive", "ddim", 6, s.dir / "never.png");
    args[2] = "model";  // relative to the rank's working directory
    args.push_back("--distributed");
    std::vector<std::string> sh{"-c", "cd \"$0\" && exec \"$@\"", cwd[static_cast<std::size_t>(r)].string(),
                                DRIFFUSION_CLI_PATH};
    sh.insert(sh.end(), args.begin(), args.end());
    g.start("/bin/sh", sh, rank_env(r, kWorld, port));
  }
  const auto exits = g.wait_all(90);
  for (const auto& e : exits) {
    EXPECT_EQ(e.exit_code, kPeerFailureExit) << dump(exits);
    EXPECT_NE(e.err.find("rank 2 ("), std::string::npos) << dump(exits);
    EXPECT_NE(e.err.find("model hash"), std::string::npos) << dump(exits);
  }
  EXPECT_FALSE(fs::exists(s.dir / "never.png"));
}

}  // namespace
}  // namespace drf::test
