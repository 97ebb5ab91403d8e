// Shared main for the GoogleTest suites: fixes LibTorch to deterministic single-process
// settings so results do not depend on the machine's thread count, and prints a backtrace when a
// suite crashes (a crash on a machine without a debugger, such as the GPU machine, is then
// readable: `addr2line -f -C -e BINARY OFFSET` names each frame).
#include <execinfo.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <torch/torch.h>
#include <unistd.h>

#include <vector>

namespace {

void print_backtrace_and_die(int sig) {
  ::alarm(5);  // backtrace() is not async-signal-safe: a hang in it ends by SIGALRM, not the test timeout
  static const char header[] = "\n*** fatal signal in the test process; backtrace:\n";
  (void)!::write(STDERR_FILENO, header, sizeof header - 1);
  void* frames[64];
  ::backtrace_symbols_fd(frames, ::backtrace(frames, 64), STDERR_FILENO);
  ::raise(sig);  // SA_RESETHAND restored the default action, SA_NODEFER lets it in: the process ends
}

void install_crash_backtrace() {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the signal handler
  // Its own stack, so that a stack overflow still gets its backtrace.
  static std::vector<char> handler_stack(1 << 16);
  stack_t ss{};
  ss.ss_sp = handler_stack.data();
  ss.ss_size = handler_stack.size();
  ::sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_handler = print_backtrace_and_die;
  action.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::sigaction(sig, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  install_crash_backtrace();
  ::testing::InitGoogleTest(&argc, argv);
  torch::manual_seed(0);
  return RUN_ALL_TESTS();
}
