// Exit codes for each error class (2 usage, 3 input, 4 device), error messages that name the
// problem, the --json error object, and nothing written when a run fails.
#include "core/util/build_info.h"
#include "tests/cli/cli_test_util.h"

using namespace drf::test;

TEST(CliErrors, UsageErrorsExitWith2) {
  EXPECT_EXIT_CODE(cli({}), 2);
  EXPECT_EXIT_CODE(cli({"no-such-command"}), 2);
  EXPECT_EXIT_CODE(cli({"generate", "--bogus"}), 2);
  EXPECT_EXIT_CODE(cli({"generate", "--model", "analytic"}), 2);  // no prompt
  EXPECT_EXIT_CODE(cli(concat({"generate", "--prompt", "x", "--prompts", "f"}, {"--model", "analytic"})), 2);
  EXPECT_EXIT_CODE(cli(concat({"generate"}, concat(analytic_args("red"), {"--seed", "-1"}))), 2);
  EXPECT_EXIT_CODE(cli(concat({"generate"}, concat(analytic_args("red"), {"--format", "jpeg"}))), 2);
  EXPECT_EXIT_CODE(cli(concat({"generate"}, concat(analytic_args("red"), {"--count", "0"}))), 2);
  EXPECT_EXIT_CODE(cli(concat({"generate"}, concat(analytic_args("red"), {"--devices", "two"}))), 2);
  EXPECT_EXIT_CODE(cli(concat({"generate"}, concat(analytic_args("red"), {"--quiet", "--verbose"}))), 2);
  EXPECT_EXIT_CODE(cli(concat({"compare"}, concat(analytic_args("red"), {"--mode", "sequential"}))), 2);
  EXPECT_EXIT_CODE(cli({"info", "--bogus"}), 2);
  EXPECT_EXIT_CODE(cli({"models", "extra"}), 2);
}

TEST(CliErrors, BadSettingsNameTheSetting) {
  ScratchDir dir;
  const auto out = (dir / "out").string();
  auto r = cli(concat({"generate", "--out", out}, concat(analytic_args("red", 0), {})));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("steps"), std::string::npos) << r.err;
  r = cli(concat({"generate", "--out", out, "--mode", "aggressive", "--width", "30"}, analytic_args("red", 10)));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("width 30"), std::string::npos) << r.err;
  r = cli(concat({"generate", "--out", out, "--size", "100x100"}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("multiple of 8"), std::string::npos) << r.err;
  r = cli(concat({"generate", "--out", out, "--cfg", "99"}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("guidance"), std::string::npos) << r.err;
  EXPECT_TRUE(names_in(dir / "out").empty());
}

TEST(CliErrors, HelpExitsWith0) {
  auto r = cli({"--help"});
  EXPECT_EXIT_CODE(r, 0);
  for (const char* cmd : {"generate", "compare", "info", "models", "oracle"}) EXPECT_NE(r.out.find(cmd), std::string::npos);
  r = cli({"generate", "--help"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.out.find("--from-image"), std::string::npos);
  EXPECT_EXIT_CODE(cli({"compare", "--help"}), 0);
  EXPECT_EXIT_CODE(cli({"info", "--help"}), 0);
  EXPECT_EXIT_CODE(cli({"models", "--help"}), 0);
  r = cli({"--version"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out.rfind("driffusion ", 0), 0u);
}

TEST(CliErrors, BadModelFilesExitWith3) {
  ScratchDir dir;
  const auto out = (dir / "out").string();
  const auto gen = [&](const std::string& model) {
    return cli({"generate", "--model", model, "--prompt", "x", "--steps", "2", "--out", out});
  };
  auto r = gen((dir / "missing.safetensors").string());
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("missing.safetensors"), std::string::npos) << r.err;

  // A header length of 2^63: must be refused without allocating it.
  write_bytes(dir / "corrupt.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10));
  r = gen((dir / "corrupt.safetensors").string());
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("corrupt.safetensors"), std::string::npos) << r.err;

  write_bytes(dir / "truncated.safetensors", std::string("\x40\0\0\0\0\0\0\0{\"a\":", 13));
  EXPECT_EXIT_CODE(gen((dir / "truncated.safetensors").string()), 3);

  // A pickle checkpoint is refused, never unpickled.
  write_bytes(dir / "model.ckpt", std::string("PK\x03\x04pickle data", 15));
  r = gen((dir / "model.ckpt").string());
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("safetensors"), std::string::npos) << r.err;

  EXPECT_EXIT_CODE(gen("no-such-builtin-name"), 3);
  EXPECT_TRUE(names_in(dir / "out").empty());
}

TEST(CliErrors, BadInputFilesExitWith3) {
  ScratchDir dir;
  write_bytes(dir / "notes.png", "plain text, not an image");
  EXPECT_EXIT_CODE(cli({"generate", "--from-image", (dir / "missing.png").string(), "--out", (dir / "o").string()}), 3);
  auto r = cli({"generate", "--from-image", (dir / "notes.png").string(), "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("notes.png"), std::string::npos) << r.err;
  EXPECT_EXIT_CODE(cli(concat({"generate", "--prompts", (dir / "missing.txt").string()}, {"--model", "analytic"})), 3);
  EXPECT_EXIT_CODE(cli({"info", "--image", (dir / "missing.png").string()}), 3);
  EXPECT_EXIT_CODE(cli({"info", "--model", (dir / "missing.safetensors").string()}), 3);
}

TEST(CliErrors, UnwritableOutputExitsWith3BeforeGenerating) {
  ScratchDir dir;
  write_bytes(dir / "file", "x");
  auto r = cli(concat({"generate", "--out", (dir / "file" / "sub").string()}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("Not a directory"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("step"), std::string::npos) << "sampling started before the output was checked";

  const auto target = (dir / ("taken" + default_ext())).string();
  write_bytes(target, "precious");
  r = cli(concat({"generate", "--out", target}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(target), "precious");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"file", "taken" + default_ext()}));
}

TEST(CliErrors, MissingDeviceExitsWith4) {
  if (drf::build::kHaveCuda) GTEST_SKIP() << "this build has CUDA: the CPU-only device error does not apply";
  ScratchDir dir;
  const auto r = cli(concat({"generate", "--devices", "1", "--out", (dir / "o").string()}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_NE(r.err.find("CUDA"), std::string::npos) << r.err;
}

TEST(CliErrors, JsonErrorObject) {
  ScratchDir dir;
  const auto r = cli({"generate", "--json", "--model", (dir / "missing.safetensors").string(), "--prompt", "x",
                      "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  const auto j = json_of(r);
  EXPECT_EQ(j.value("command", ""), "generate");
  EXPECT_EQ(j.value("ok", true), false);
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"].value("kind", ""), "input");
  EXPECT_EQ(j["error"].value("exit_code", 0), 3);
  EXPECT_NE(j["error"].value("message", "").find("missing.safetensors"), std::string::npos);
  EXPECT_TRUE(j["images"].is_array());
  EXPECT_TRUE(j["images"].empty());
}
