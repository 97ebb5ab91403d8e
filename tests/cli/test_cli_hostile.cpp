// The CLI against hostile and absurd input, by class (issue 24): the OpenMP wait policy of a
// plainly started process, control characters from files, jobs that cannot fit in memory, fp16
// on the CPU, special files, output names checked before generating, a full disk, bench on a
// CPU-only machine and the consistency of messages and options.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "core/engine/job_memory.h"
#include "core/util/build_info.h"
#include "tests/cli/cli_test_util.h"

using namespace drf::test;

namespace {

const std::vector<float> kNoFloats;

bool has_raw_escape(const std::string& s) { return s.find('\x1b') != std::string::npos || s.find('\x07') != std::string::npos; }

// An image file (PPM always works) whose metadata holds `parameters` and nothing else.
std::filesystem::path image_with_parameters(const ScratchDir& dir, const std::string& name, const std::string& parameters) {
  const auto path = dir / (name + ".ppm");
  drf::ImageMetadata md;
  md.parameters = parameters;
  drf::write_image_file(path, drf::ImageData{test_image(), kNoFloats}, drf::ImageFormat::Ppm, md);
  return path;
}

}  // namespace

TEST(CliHostile, PlainlyStartedCliRunsWithPassiveOpenMpWorkers) {
  // libgomp reads OMP_WAIT_POLICY before main(): the CLI re-executes itself with it set.
  ScratchDir dir;
  const auto r = run_process("/usr/bin/env", concat({"-u", "OMP_WAIT_POLICY", DRIFFUSION_CLI_PATH, "generate", "--verbose",
                                                     "--out", (dir / "o").string()},
                                                    analytic_args("red", 2)));
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.err.find("OpenMP wait policy passive"), std::string::npos) << r.err;
  // A policy the user chose is kept.
  const auto a = run_process("/usr/bin/env", concat({"OMP_WAIT_POLICY=active", DRIFFUSION_CLI_PATH, "generate", "--verbose",
                                                     "--out", (dir / "o").string()},
                                                    analytic_args("red", 2)));
  EXPECT_EXIT_CODE(a, 0);
  EXPECT_NE(a.err.find("OpenMP wait policy active"), std::string::npos) << a.err;
}

TEST(CliHostile, ControlCharactersFromFilesAreEscaped) {
  ScratchDir dir;
  // PNG/PPM text with a CSI "clear screen", an OSC "set title" and a C1 CSI.
  const auto img = image_with_parameters(dir, "evil", "a cat\x1b[2J\x1b]0;pwned\x07\xc2\x9b" "31m\nSteps: 2, Seed: 1");
  auto r = cli({"info", "--image", img.string()});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
  EXPECT_EQ(r.out.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(r.out.find("a cat\\x1b[2J\\x1b]0;pwned\\x07\\xc2\\x9b31m"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Steps: 2"), std::string::npos) << "line breaks of the text are kept";
  // --json stays JSON: the same text JSON-escaped, parseable, byte for byte.
  r = cli({"info", "--json", "--image", img.string()});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_FALSE(has_raw_escape(r.out));
  EXPECT_EQ(json_of(r)["image"].value("parameters", "").substr(0, 8), "a cat\x1b[2");

  // A file name with escapes in an error message.
  const std::string evil_path = (dir / "m\x1b]0;title\x07.safetensors").string();
  r = cli({"generate", "--model", evil_path, "--prompt", "x", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_FALSE(has_raw_escape(r.err)) << r.err;
  EXPECT_NE(r.err.find("m\\x1b]0;title\\x07.safetensors"), std::string::npos) << r.err;
}

TEST(CliHostile, ErrorsArePrintedOnceWithOnePrefix) {
  ScratchDir dir;
  auto r = cli({"generate", "--model", "analytic", "--prompt", "x", "--prompts", "f"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_EQ(r.err.find("generate: generate:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("driffusion generate: give --prompt", 0), 0u) << r.err;
  // A failing job: its message once, not once from the log and once from main.
  r = cli({"generate", "--model", (dir / "missing.safetensors").string(), "--prompt", "x", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  const auto first = r.err.find("missing.safetensors");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(r.err.find("missing.safetensors", r.err.find('\n', first)), std::string::npos) << r.err;
}

TEST(CliHostile, JobsThatCannotFitAreRefusedWithExit4) {
  // random:tiny at 2048x2048: about 33.5 MB of activations per batch row (16 finest-level
  // tensors of 256x256x8 fp32), 2 rows per draft with guidance, 64 drafts in one call: 4.3 GB.
  // DRIFFUSION_CPU_MEMORY_MB=2000 gives the job 2000 MiB whatever this machine has.
  ScratchDir dir;
  const auto r = run_process("/usr/bin/env", {"DRIFFUSION_CPU_MEMORY_MB=2000", DRIFFUSION_CLI_PATH, "generate", "--model",
                                              "random:tiny", "--prompt", "x", "--size", "2048", "--steps", "64", "--mode",
                                              "aggressive", "--width", "64", "--draft-memory", "0", "--out",
                                              (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_NE(r.err.find("an image of 2048x2048 with 64 drafts per call needs about 4.3 GB on cpu, this machine has 2.1 GB "
                       "available"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(names_in(dir / "o").empty());
}

TEST(CliHostile, AllocationFailuresExitWith4WithoutBacktrace) {
  // The estimate passes (one draft: 67 MB), then the top-level attention of random:tiny at
  // 2048x2048 asks for 2 rows x 2 heads x 65536^2 scores x 4 bytes = 64 GiB. An address-space
  // limit of 8 GB makes that allocation fail on any machine, as it does on one with less memory.
  ScratchDir dir;
  const auto r = run_process("/usr/bin/prlimit", {"--as=8000000000", DRIFFUSION_CLI_PATH, "generate", "--model", "random:tiny",
                                                  "--prompt", "x", "--size", "2048", "--steps", "1", "--out",
                                                  (dir / "o").string()},
                             120);
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_NE(r.err.find("out of memory on cpu"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << "a C++ backtrace reached the user:\n" << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(names_in(dir / "o").empty());
}

TEST(CliHostile, Fp16OnTheCpuRunsInFp32WithAWarning) {
  ScratchDir dir;
  const auto r = cli({"generate", "--json", "--model", "builtin", "--prompt", "a red circle", "--steps", "1", "--dtype", "fp16",
                      "--seed", "1", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.err.find("fp16 is not available on the CPU: running in fp32"), std::string::npos) << r.err;
  const auto j = json_of(r);
  ASSERT_EQ(j["images"].size(), 1u);
  EXPECT_EQ(j["images"][0]["settings"].value("dtype", ""), "fp32") << j.dump(2);
}

TEST(CliHostile, SpecialFilesAreRefusedAtOnce) {
  ScratchDir dir;
  const auto fifo = dir / "pipe.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& special : {fifo.string(), std::string("/dev/zero")}) {
    auto r = cli({"info", "--image", special}, 30);
    EXPECT_FALSE(r.timed_out) << special;
    EXPECT_EXIT_CODE(r, 3);
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
    r = cli({"generate", "--from-image", special, "--out", (dir / "o").string()}, 30);
    EXPECT_FALSE(r.timed_out) << special;
    EXPECT_EXIT_CODE(r, 3);
    r = cli(concat({"generate", "--prompts", special, "--out", (dir / "o").string()}, {"--model", "analytic"}), 30);
    EXPECT_FALSE(r.timed_out) << special;
    EXPECT_EXIT_CODE(r, 3);
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  }
  // A sparse prompts file of 2 GB is refused by its size, before a byte is read.
  const auto sparse = dir / "prompts.txt";
  { std::ofstream(sparse).put('x'); }
  std::filesystem::resize_file(sparse, 2ull << 30);
  const auto r = cli(concat({"generate", "--prompts", sparse.string(), "--out", (dir / "o").string()}, {"--model", "analytic"}), 30);
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("above the 16 MB limit"), std::string::npos) << r.err;
}

TEST(CliHostile, OutputNamesAreCheckedBeforeGenerating) {
  ScratchDir dir;
  // An extension this program cannot write: refused, and no folder of that name is made.
  auto r = cli(concat({"generate", "--out", (dir / "x.jpg").string()}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find(".jpg is not a format this program writes"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.jpg"));
  // --count derived names: the third is taken; nothing is generated or written.
  const std::string ext = default_ext();
  write_bytes(dir / ("x-3" + ext), "precious");
  r = cli(concat({"generate", "--count", "3", "--out", (dir / ("x" + ext)).string()}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("x-3" + ext + "' already exists (image 3 of 3"), std::string::npos) << r.err;
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"x-3" + ext}));
  // A name too long for the file system: a usage error before the model loads.
  r = cli(concat({"generate", "--count", "2", "--out", (dir / (std::string(252, 'n') + ext)).string()}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("above this file system's limit of 255"), std::string::npos) << r.err;
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"x-3" + ext}));
}

TEST(CliHostile, FullDiskExitsWith3SayingSo) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tiny tmpfs needs root";
  ScratchDir dir;
  const auto mnt = dir / "tiny";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  // The output folder exists: the image itself must be what does not fit.
  std::filesystem::create_directories(mnt / "out");
  write_bytes(mnt / "filler", std::string(64 * 1024, '\0'));
  const auto r = cli(concat({"generate", "--out", (mnt / "out").string()}, analytic_args("red", 2)));
  ::umount2(mnt.c_str(), MNT_DETACH);
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not a PNG"), std::string::npos) << r.err;
}

TEST(CliHostile, SettingsReadFromAnImageAreCheckedAndNameTheFile) {
  ScratchDir dir;
  // An unreadable Steps value must not silently become 25.
  auto img = image_with_parameters(dir, "bad-steps", "a cat\nSteps: many, Sampler: DDIM, CFG scale: 5, Seed: 7, Size: 128x128");
  auto r = cli({"generate", "--from-image", img.string(), "--model", "analytic", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("bad-steps.ppm': its parameters text has an unreadable Steps value"), std::string::npos) << r.err;
  img = image_with_parameters(dir, "bad-seed", "a cat\nSteps: 4, Sampler: DDIM, CFG scale: 5, Seed: 0x12, Size: 128x128");
  r = cli({"generate", "--from-image", img.string(), "--model", "analytic", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("unreadable Seed value (give --seed to override it)"), std::string::npos) << r.err;
  // ... and typing the option overrides the unreadable value.
  r = cli({"generate", "--from-image", img.string(), "--model", "analytic", "--seed", "3", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 0);
  // An absurd value from the file: exit 3 naming the file (it was 2 without the name).
  img = image_with_parameters(dir, "absurd", "a cat\nSteps: 5000, Sampler: DDIM, CFG scale: 5, Seed: 7, Size: 128x128");
  r = cli({"generate", "--from-image", img.string(), "--model", "analytic", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("absurd.ppm"), std::string::npos) << r.err;
  // The same absurd value typed is the user's: exit 2.
  r = cli(concat({"generate", "--out", (dir / "o").string()}, analytic_args("red", 5000)));
  EXPECT_EXIT_CODE(r, 2);
}

TEST(CliHostile, AbsurdCombinationsAreRefused) {
  ScratchDir dir;
  const auto out = (dir / "o").string();
  // Seeds S, S+1, ... would wrap past 2^64-1.
  auto r = cli(concat({"generate", "--seed", "18446744073709551615", "--count", "2", "--out", out}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("2^64-1"), std::string::npos) << r.err;
  // --width means nothing to the sequential sampler.
  r = cli(concat({"generate", "--width", "3", "--out", out}, analytic_args("red")));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("no effect in sequential mode"), std::string::npos) << r.err;
  // --devices 0 is the CPU, as in bench.
  r = cli(concat({"generate", "--devices", "0", "--out", out}, analytic_args("red", 2)));
  EXPECT_EXIT_CODE(r, 0);
}

TEST(CliHostile, CompareHelpShowsItsOwnDefaults) {
  const auto r = cli({"compare", "--help"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.out.find("(default aggressive)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("default sequential"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FILE|DIR"), std::string::npos) << "compare refuses a file name for --out:\n" << r.out;
}

TEST(CliHostile, BenchOnTheCpuUsesWhatTheMachineHas) {
  if (drf::build::kHaveCuda) GTEST_SKIP() << "a CUDA build's default is one GPU";
  const auto r = cli({"bench", "--json", "--model", "analytic", "--steps", "4", "--modes", "sequential,aggressive",
                      "--widths", "2", "--repeats", "1", "--warmup", "0"});
  EXPECT_EXIT_CODE(r, 0);
  const auto j = json_of(r);
  EXPECT_EQ(j.value("command", ""), "bench");
  EXPECT_EQ(j.value("ok", false), true);
  ASSERT_TRUE(j["results"].is_array());
  EXPECT_EQ(j["results"][0].value("devices", -1), 0);
  // Progress on stderr, each warning once.
  EXPECT_NE(r.err.find("bench: cpu sequential: timed run 1/1"), std::string::npos) << r.err;
  const auto g = cli({"bench", "--devices", "1", "--model", "analytic"});
  EXPECT_EXIT_CODE(g, 2);
  EXPECT_NE(g.err.find("use --devices 0 (the CPU)"), std::string::npos) << g.err;
  const auto o = cli({"oracle", "--json", "--steps", "4", "--max-width", "2", "--samples", "64"});
  EXPECT_EXIT_CODE(o, 0);
  EXPECT_EQ(json_of(o).value("command", ""), "oracle");
  EXPECT_EQ(json_of(o).value("ok", false), true);
}
