// driffusion generate --distributed faults (issue 23): a rank killed mid-job makes the others
// exit with code 5 within 30 s naming it (rank and host); a rank that never arrives, or that
// loads different weights, ends the job the same way, with no image written.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
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

// Each rank reads the built-in model from its own copy of the resource folder (as hosts do);
// rank 2's copy has one weight changed in its lowest bits: the model hashes differ and every
// rank refuses before sampling, naming rank 2.
TEST(DistributedGenerate, DifferentModelFileOnOneRankIsRefused) {
  Scratch s;
  const fs::path share = fs::path(DRIFFUSION_CLI_PATH).parent_path().parent_path() / "share/driffusion";
  ASSERT_TRUE(fs::exists(share / "builtin")) << share;
  std::vector<fs::path> resources;
  for (int r = 0; r < kWorld; ++r) {
    resources.push_back(s.dir / ("host" + std::to_string(r)));
    fs::copy(share, resources.back(), fs::copy_options::recursive);
  }
  {
    const fs::path f = resources[2] / "builtin/unet/diffusion_pytorch_model.safetensors";
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    unsigned char len[8] = {};
    io.read(reinterpret_cast<char*>(len), 8);
    std::uint64_t header = 0;
    for (int i = 7; i >= 0; --i) header = header * 256 + len[i];
    // The lowest byte of a little-endian weight in the middle of the data: still a finite number.
    const auto data = static_cast<std::streamoff>(8 + header);
    const auto at = data + ((static_cast<std::streamoff>(fs::file_size(f)) - data) / 2) / 4 * 4;
    io.seekg(at);
    const int b = io.get();
    io.seekp(at);
    io.put(static_cast<char>(b ^ 1));
  }
  const int port = free_port();
  ChildGroup g(s.dir.string());
  auto args = job_args("aggressive", "ddim", 6, s.dir / "never.png");
  args.push_back("--distributed");
  for (int r = 0; r < kWorld; ++r)
    g.start(DRIFFUSION_CLI_PATH, args,
            rank_env(r, kWorld, port, {"DRIFFUSION_RESOURCE_DIR=" + resources[static_cast<std::size_t>(r)].string()}));
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
