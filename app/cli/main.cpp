// driffusion: the command-line front end of DRiffusion Studio.
#include <cstdio>
#include <cstring>
#include <string>

#include "app/cli/commands.h"
#include "core/util/build_info.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/openmp_wait_policy.h"
#include "core/util/printable_text.h"

#ifdef DRIFFUSION_HAVE_GPU
#include "gpu/gpu_registration.h"
#endif

namespace drf::cli {
namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

const Subcommand kCommands[] = {
    {"bench", "latency and speedup benchmark over modes, widths and devices", run_bench},
    {"generate", "generate images (sequential or DRiffusion) and save them with their settings", run_generate},
    {"compare", "DRiffusion vs the sequential sampler, same seed: speedup, PSNR, SSIM, difference map", run_compare},
    {"info", "build facts, devices, a model's architecture, or the metadata of an image file", run_info},
    {"models", "list the models this build knows", run_models},
    {"oracle", "DRiffusion on the analytic Gaussian-mixture model (exact target distribution)", run_oracle},
};

void print_usage() {
  std::printf("usage: driffusion <command> [options]   (driffusion <command> --help for details)\n\ncommands:\n");
  for (const auto& c : kCommands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::printf(
      "\n  --version   print version and build facts\n\n"
      "exit codes: 0 ok, 2 usage error, 3 input error (model or file), 4 device error,\n"
      "            5 another process of a --distributed job failed, 130 cancelled\n");
}

// The error line: the message escaped (it quotes file names, tensor names and text read from
// files, which must not reach the terminal as control sequences) and without a repeated
// "<command>: " prefix (messages thrown inside a command often name it themselves).
std::string error_line(const char* command, const std::string& message) {
  std::string m = message;
  const std::string prefix = std::string(command) + ": ";
  while (m.compare(0, prefix.size(), prefix) == 0) m.erase(0, prefix.size());
  return "driffusion " + prefix + printable_text(m, LineBreaks::Keep);
}

}  // namespace

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return kUsage;
    case ErrorKind::Input: return kInput;
    case ErrorKind::Device: return kDevice;
    case ErrorKind::Cancelled: return kCancelled;
    case ErrorKind::Io: return kInput;
    case ErrorKind::Internal: return kFailure;
  }
  return kFailure;
}

const char* version_line() {
  static const std::string line = std::string("driffusion ") + build::kVersion + " (LibTorch " + build::kTorchVersion +
                                  ", CUDA " + (build::kHaveCuda ? "yes" : "no") + ", NCCL " +
                                  (build::kHaveNccl ? "yes" : "no") + ", OpenImageIO " +
                                  (build::kHaveOiio ? "yes" : "no") + ", " + build::kCompiler + ")";
  return line.c_str();
}

}  // namespace drf::cli

// Before any library's initialiser: libgomp must start with OMP_WAIT_POLICY set
// (core/util/openmp_wait_policy.h).
__attribute__((section(".preinit_array"), used)) static void (*const passive_openmp)(int, char**, char**) =
    &drf::reexec_with_passive_openmp;

int main(int argc, char** argv) {
  using namespace drf::cli;
  // Before anything else: OpenMP workers must sleep, not spin, when the CPU is shared (the late
  // re-exec, should the early one above have failed).
  drf::ensure_passive_openmp_wait(argv);
#ifdef DRIFFUSION_HAVE_GPU
  drf::gpu::register_gpu_backend();
#endif
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    print_usage();
    return argc < 2 ? kUsage : kOk;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("%s\n", version_line());
    return kOk;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc, argv);
    } catch (const drf::Error& e) {
      std::fprintf(stderr, "%s\n", error_line(c.name, e.what()).c_str());
      return exit_code_for(e.kind());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", error_line(c.name, std::string("internal error: ") + e.what()).c_str());
      return kFailure;
    }
  }
  std::fprintf(stderr, "driffusion: unknown command '%s'\n\n", drf::printable_text(argv[1]).c_str());
  print_usage();
  return kUsage;
}
