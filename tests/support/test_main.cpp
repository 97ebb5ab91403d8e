// Shared main for the GoogleTest suites: fixes LibTorch to deterministic single-process
// settings so results do not depend on the machine's thread count, and prints a backtrace when a
// suite crashes (a crash on a machine without a debugger, such as the GPU machine, is then
// readable: `addr2line -f -C -e BINARY +OFFSET` names each frame).
#include <execinfo.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <torch/torch.h>
#include <unistd.h>

namespace {

void print_backtrace_and_die(int sig) {
  static const char header[] = "\n*** fatal signal in the test process; backtrace:\n";
  (void)!::write(STDERR_FILENO, header, sizeof header - 1);
  void* frames[64];
  ::backtrace_symbols_fd(frames, ::backtrace(frames, 64), STDERR_FILENO);
  ::signal(sig, SIG_DFL);  // the default action ends the process with the same signal
  ::raise(sig);
}

void install_crash_backtrace() {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the signal handler
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::signal(sig, print_backtrace_and_die);
}

}  // namespace

int main(int argc, char** argv) {
  install_crash_backtrace();
  ::testing::InitGoogleTest(&argc, argv);
  torch::manual_seed(0);
  return RUN_ALL_TESTS();
}
