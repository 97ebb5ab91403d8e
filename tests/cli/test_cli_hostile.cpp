// The CLI against hostile and absurd input, by class (issue 24): the OpenMP wait policy of a
// plainly started process, control characters from files, jobs that cannot fit in memory, fp16
// on the CPU, special files, output names checked before generating, a full disk, bench on a
// CPU-only machine and the consistency of messages and options.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>

#include "core/engine/job_memory.h"
#include "core/models/nn/attention_memory.h"
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

TEST(CliHostile, OpenMpStartsPassiveWhenThePolicyIsUnset) {
  // The re-exec happens before any library initialiser (core/util/openmp_wait_policy.h): every
  // OpenMP runtime start the process prints is already passive (spin count 0; libgomp's default
  // is 300000). A re-exec from main() would print a first, spinning start; no re-exec, only that.
  const auto r = run_process("/usr/bin/env", {"-u", "OMP_WAIT_POLICY", "-u", "OMP_WAIT_POLICY_ALL", "-u",
                                              "GOMP_SPINCOUNT", "OMP_DISPLAY_ENV=verbose", DRIFFUSION_CLI_PATH,
                                              "--version"});
  EXPECT_EXIT_CODE(r, 0);
  const std::string all = r.out + r.err, spin = "GOMP_SPINCOUNT = '";
  int starts = 0;
  for (auto at = all.find(spin); at != std::string::npos; at = all.find(spin, at + 1), ++starts)
    EXPECT_EQ(all.compare(at + spin.size(), 2, "0'"), 0) << "a spinning OpenMP start: " << all;
  EXPECT_GE(starts, 1) << "libgomp printed no environment: " << all;
  // The re-executed process keeps its own name in ps, top and pkill (not "exe", as exec'ing
  // /proc/self/exe would name it): its comm, read while it generates.
  ScratchDir dir;
  const std::string script = std::string("unset OMP_WAIT_POLICY; '") + DRIFFUSION_CLI_PATH +
                             "' generate --model analytic --prompt red --steps 200 --out '" +
                             (dir / "named.ppm").string() + "' >/dev/null 2>&1 & sleep 0.5; cat /proc/$!/comm; wait";
  const auto named = run_process("/bin/sh", {"-c", script});
  EXPECT_EQ(named.out.rfind("driffusion", 0), 0u) << named.out << named.err;
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
  // tensors of 256x256x8 fp32), 2 rows per draft with guidance, 64 drafts in one call: 4.3 GB
  // with fused attention; where attention scores are materialized (LibTorch 1.13) each row also
  // holds 2 copies x 2 heads x 65536^2 x 4 bytes = 64 GiB of scores: 8800 GB in all.
  // DRIFFUSION_CPU_MEMORY_MB=2000 gives the job 2000 MiB whatever this machine has.
  ScratchDir dir;
  const auto r = run_process("/usr/bin/env", {"DRIFFUSION_CPU_MEMORY_MB=2000", DRIFFUSION_CLI_PATH, "generate", "--model",
                                              "random:tiny", "--prompt", "x", "--size", "2048", "--steps", "64", "--mode",
                                              "aggressive", "--width", "64", "--draft-memory", "0", "--out",
                                              (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 4);
  const std::string needs = drf::attention_scores_materialized() ? "8800 GB" : "4.3 GB";
  EXPECT_NE(r.err.find("an image of 2048x2048 with 64 drafts per call needs about " + needs +
                       " on cpu, this machine has 2.1 GB available"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(names_in(dir / "o").empty());
}

TEST(CliHostile, AllocationFailuresExitWith4WithoutBacktrace) {
  // random:tiny at 1024x1024 with one step: its top-level attention asks for one buffer of
  // 2 rows x 2 heads x 16384^2 scores x 4 bytes = 4.3 GB on LibTorch 1.13. An address-space
  // limit of 3 GB makes that allocation fail as it does on a machine with less memory. The
  // estimate (8.6 GB with the second copy) passes where 8.6 GB are available; where they are not
  // it refuses first: exit 4 and no backtrace either way.
  ScratchDir dir;
  const auto r = run_process("/usr/bin/prlimit", {"--as=3000000000", DRIFFUSION_CLI_PATH, "generate", "--model", "random:tiny",
                                                  "--prompt", "x", "--size", "1024", "--steps", "1", "--out",
                                                  (dir / "o").string()},
                             120);
  if (!drf::attention_scores_materialized() && r.exit_code == 0) GTEST_SKIP() << "fused attention: no score matrix to fail";
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_TRUE(r.err.find("out of memory on cpu") != std::string::npos || r.err.find("needs about") != std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << "a C++ backtrace reached the user:\n" << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(names_in(dir / "o").empty());
}

TEST(CliHostile, AttentionThatCannotFitIsRefusedBeforeAnyNetworkCall) {
  if (!drf::attention_scores_materialized())
    GTEST_SKIP() << "fused attention (LibTorch 2.x) holds no score matrix: these sizes fit there";
  ScratchDir dir;
  // The built-in model at 512 px: its 16x16 attention level becomes 128x128 = 16384 tokens, 4
  // heads: 2 copies x 4 x 16384^2 x 4 bytes = 8.6 GB per row plus 0.5 GB of activations, twice
  // with guidance: 18 GB. DRIFFUSION_CPU_MEMORY_MB=4000 gives the job 4.2 GB whatever this
  // machine has (it only lowers what /proc/meminfo says). Refused before the text encoder runs:
  // at once, nothing written.
  const auto started = std::chrono::steady_clock::now();
  auto r = run_process("/usr/bin/env", {"DRIFFUSION_CPU_MEMORY_MB=4000", DRIFFUSION_CLI_PATH, "generate", "--model",
                                        "builtin", "--prompt", "x", "--size", "512", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_NE(r.err.find("an image of 512x512 needs about 18 GB on cpu, this machine has 4.2 GB available"), std::string::npos)
      << r.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 60);
  EXPECT_TRUE(names_in(dir / "o").empty());
  // random:tiny at 2048 px (the issue's 64 GiB allocation): 2 rows x (64 GiB of scores + 34 MB) = 138 GB.
  r = run_process("/usr/bin/env", {"DRIFFUSION_CPU_MEMORY_MB=4000", DRIFFUSION_CLI_PATH, "generate", "--model",
                                   "random:tiny", "--prompt", "x", "--size", "2048", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_NE(r.err.find("an image of 2048x2048 needs about 138 GB on cpu, this machine has 4.2 GB available"),
            std::string::npos)
      << r.err;
  // The same settings read from an image (--from-image), hostile size included.
  const auto img = image_with_parameters(dir, "huge", "x\nSteps: 20, Sampler: DDIM, CFG scale: 7, Seed: 1, Size: 2048x2048");
  r = run_process("/usr/bin/env", {"DRIFFUSION_CPU_MEMORY_MB=4000", DRIFFUSION_CLI_PATH, "generate", "--from-image",
                                   img.string(), "--model", "random:tiny", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 4);
  EXPECT_NE(r.err.find("needs about 138 GB on cpu"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << r.err;
  EXPECT_TRUE(names_in(dir / "o").empty());
}

namespace {

// A safetensors file of F16 tensors of the given shapes (all zeros).
std::string safetensors_f16(const std::vector<std::pair<std::string, std::vector<int64_t>>>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::size_t offset = 0;
  for (const auto& [name, shape] : tensors) {
    std::size_t n = 2;
    for (int64_t d : shape) n *= static_cast<std::size_t>(d);
    header[name] = {{"dtype", "F16"}, {"shape", shape}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  const std::string h = header.dump();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((static_cast<uint64_t>(h.size()) >> (8 * i)) & 0xff);
  return bytes + h + std::string(offset, '\0');
}

std::string builtin_tokenizer() {
  return (std::filesystem::path(DRIFFUSION_CLI_PATH).parent_path() / ".." / "share" / "driffusion" / "builtin" / "tokenizer")
      .string();
}

// The smallest address-space limit (1 GB, doubling) under which the CLI starts at all. A CPU
// build needs about 0.3 GB; a CUDA build maps cuBLAS, cuDNN and the CUDA LibTorch before main
// (2.5 GB was too little on the GPU machine: "failed to map segment from shared object").
std::string address_space_to_start_plus(std::uint64_t extra_bytes) {
  std::uint64_t bytes = 1ull << 30;
  while (bytes < (64ull << 30) &&
         run_process("/usr/bin/prlimit", {"--as=" + std::to_string(bytes), DRIFFUSION_CLI_PATH, "--version"}, 60).exit_code != 0)
    bytes *= 2;
  return "--as=" + std::to_string(bytes + extra_bytes);
}

}  // namespace

TEST(CliHostile, ConfigsImplyingMoreParametersThanTheirFilesHoldAreRefusedFirst) {
  // Within the documented bounds (block_out_channels up to 16384), a diffusers folder whose UNet
  // config implies 131 billion parameters next to a 77-byte weights file. Building the
  // modules first would reserve hundreds of GB; an address-space limit of 2 GB above what the CLI
  // needs to start proves nothing of the sort happens: exit 3 with the numbers. On the CPU, so a
  // CUDA build does not reserve device address space under the limit.
  const std::string limit = address_space_to_start_plus(2ull << 30);
  ScratchDir dir;
  const auto model = dir / "huge-config";
  for (const char* sub : {"unet", "text_encoder", "vae", "tokenizer"}) std::filesystem::create_directories(model / sub);
  write_bytes(model / "unet" / "config.json",
              R"({"sample_size": 8, "in_channels": 4, "out_channels": 4,
                  "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
                  "block_out_channels": [16384, 16384], "layers_per_block": 2, "attention_head_dim": 8,
                  "norm_num_groups": 32, "cross_attention_dim": 32})");
  write_bytes(model / "text_encoder" / "config.json",
              R"({"vocab_size": 49408, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                  "num_attention_heads": 2, "max_position_embeddings": 77})");
  write_bytes(model / "vae" / "config.json",
              R"({"block_out_channels": [8, 8], "layers_per_block": 1, "norm_num_groups": 4, "latent_channels": 4})");
  const std::string small = safetensors_f16({{"w", {4}}});
  const auto unet_weights = model / "unet" / "diffusion_pytorch_model.safetensors";
  write_bytes(unet_weights, small);
  write_bytes(model / "text_encoder" / "model.safetensors", small);
  write_bytes(model / "vae" / "diffusion_pytorch_model.safetensors", small);
  auto r = run_process("/usr/bin/prlimit", {limit, DRIFFUSION_CLI_PATH, "generate", "--model", model.string(), "--devices",
                                            "cpu", "--tokenizer", builtin_tokenizer(), "--prompt", "x", "--out",
                                            (dir / "o").string()},
                       120);
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find((model / "unet" / "config.json").string() + " implies "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" billion parameters (at least "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(unet_weights.string() + " holds " + std::to_string(small.size()) + " bytes"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the configuration does not belong to these weights"), std::string::npos) << r.err;

  // A 2 kB single file whose key names pass for an SD 1.x checkpoint: 1.1 billion parameters.
  const auto single = dir / "tiny-sd1.safetensors";
  write_bytes(single, safetensors_f16({{"model.diffusion_model.input_blocks.0.0.weight", {1, 4, 1, 1}},
                                       {"model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", {1, 768}},
                                       {"cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", {1, 1}},
                                       {"first_stage_model.decoder.conv_out.bias", {1}}}));
  r = run_process("/usr/bin/prlimit", {limit, DRIFFUSION_CLI_PATH, "generate", "--model", single.string(), "--devices", "cpu",
                                       "--tokenizer", builtin_tokenizer(), "--prompt", "x", "--out", (dir / "o").string()},
                  120);
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("the sd1 architecture detected in " + single.string() + " implies 1.1 billion parameters (at least "
                       "2.1 GB of weights at 2 bytes each), but " + single.string() + " holds 2 kB"),
            std::string::npos)
      << r.err;
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
