// The driffusion subcommands. Each returns its process exit code; errors are thrown as
// drf::Error and mapped to exit codes in main.cpp.
#pragma once
#include "core/util/errors.h"

namespace drf::cli {

// Exit codes (documented in README.md and `driffusion --help`).
// kPeerFailure: another process of a --distributed job failed, vanished or disagrees (docs/distributed.md).
enum ExitCode { kOk = 0, kFailure = 1, kUsage = 2, kInput = 3, kDevice = 4, kPeerFailure = 5, kCancelled = 130 };

int run_oracle(int argc, char** argv);
int run_generate(int argc, char** argv);
int run_compare(int argc, char** argv);
int run_bench(int argc, char** argv);
int run_info(int argc, char** argv);
int run_models(int argc, char** argv);

// The exit code for an error of this kind (Io counts as an input error: a bad output path).
int exit_code_for(ErrorKind kind);

// One-line version and build facts, e.g. "driffusion 0.1.0 (LibTorch 1.13.0, CUDA no, NCCL no, OpenImageIO yes)".
const char* version_line();

}  // namespace drf::cli
