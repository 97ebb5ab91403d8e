// Runs the built driffusion binary as a child process and collects its exit code, stdout and
// stderr; can send it a signal once a given text appears on stderr (the Ctrl+C test).
#pragma once
#include <csignal>
#include <string>
#include <vector>

namespace drf::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
  bool timed_out = false;
};

struct SignalWhen {
  std::string stderr_contains;  // empty: never
  int signal = SIGINT;
};

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args, double timeout_s = 240,
                          const SignalWhen& signal_when = {});

}  // namespace drf::test
