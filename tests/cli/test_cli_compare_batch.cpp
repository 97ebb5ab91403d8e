// driffusion compare --prompts (batch mode, docs/fidelity.md): every prompt x seed x mode x
// width against one shared sequential image; width 1 is identical to it in both modes; bad
// prompt files and batch-only flags without --prompts are refused by name.
#include <fstream>

#include "tests/cli/cli_test_util.h"

using namespace drf;
using namespace drf::test;

namespace {

std::string write_prompts(const ScratchDir& dir, const std::string& text) {
  const auto path = (dir.path() / "prompts.txt").string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(CliCompareBatch, SummarisesEveryConfigurationOverPromptsAndSeeds) {
  ScratchDir dir;
  const auto prompts = write_prompts(dir, "# analytic prompts\nred\n\nblue\n");
  const auto r = cli({"compare", "--json", "--model", "analytic", "--steps", "8", "--prompts", prompts, "--seeds", "3,9",
                      "--sampler", "ddpm", "--warmup-steps", "2", "--modes", "aggressive,conservative", "--widths", "1,3"});
  EXPECT_EXIT_CODE(r, 0);
  const auto j = json_of(r);
  EXPECT_TRUE(j.value("batch", false));
  EXPECT_EQ(j.value("sampler", ""), "ddpm");
  EXPECT_EQ(j.value("prompts", 0), 2);
  ASSERT_EQ(j["configs"].size(), 4u);  // 2 modes x 2 widths
  ASSERT_EQ(j["pairs"].size(), 16u);   // 2 prompts x 2 seeds x 4 configurations
  for (const auto& c : j["configs"]) {
    EXPECT_EQ(c["runs"], 4) << c.dump();
    EXPECT_EQ(c["warmup_steps"], 2) << c.dump();
    EXPECT_FALSE(c.contains("top1"));  // no --references
    if (c["width"] == 1) {
      // Width 1 is the sequential sampler bit for bit, stochastic solver included.
      EXPECT_EQ(c["identical_runs"], 4) << c.dump();
      EXPECT_TRUE(c["mean_psnr"].is_null()) << c.dump();
      EXPECT_DOUBLE_EQ(c["mean_ssim"].get<double>(), 1.0);
    } else {
      // Drafts change the image, though not every one: after DDPM's two exact warm-up steps the
      // analytic model's estimate can settle, and a run of 8 steps then refines to the same bits.
      EXPECT_LT(c["identical_runs"].get<int>(), 4) << c.dump();
      EXPECT_GT(c["mean_psnr"].get<double>(), 10.0) << c.dump();
      EXPECT_LE(c["min_psnr"].get<double>(), c["mean_psnr"].get<double>());
    }
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()) || names_in(dir.path()) == std::vector<std::string>{"prompts.txt"});
}

TEST(CliCompareBatch, RefusesBadInputByName) {
  ScratchDir dir;
  auto r = cli({"compare", "--model", "analytic", "--prompts", (dir.path() / "missing.txt").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos) << r.err;
  r = cli({"compare", "--model", "analytic", "--prompts", write_prompts(dir, "# only a comment\n\n")});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("lists no prompt"), std::string::npos) << r.err;
  r = cli({"compare", "--model", "analytic", "--prompts", write_prompts(dir, "red\n"), "--modes", "sideways"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("sideways"), std::string::npos) << r.err;
  r = cli({"compare", "--model", "analytic", "--prompt", "red", "--widths", "2,3"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("--prompts"), std::string::npos) << r.err;
  r = cli({"compare", "--model", "analytic", "--prompts", write_prompts(dir, "7\tred\n"), "--references",
           (dir.path() / "none.safetensors").string()});
  EXPECT_EXIT_CODE(r, 3);
}
