// Shared main for the GoogleTest suites: fixes LibTorch to deterministic single-process
// settings so results do not depend on the machine's thread count, and reports a crash of the
// suite (a crash on a machine without a debugger, such as the GPU machine, is then readable:
// `addr2line -f -C -e BINARY OFFSET` names each frame; the faulting instruction's address and
// the process's mappings show where a frame without unwind information was).
#include <execinfo.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace {

void write_text(const char* text) {
  std::size_t n = 0;
  while (text[n]) ++n;
  (void)!::write(STDERR_FILENO, text, n);
}

void write_hex(const char* label, std::uintptr_t value) {
  char digits[2 + 2 * sizeof value + 1];
  int at = sizeof digits - 1;
  digits[at] = '\n';
  do {
    digits[--at] = "0123456789abcdef"[value & 0xf];
    value >>= 4;
  } while (value);
  digits[--at] = 'x';
  digits[--at] = '0';
  write_text(label);
  (void)!::write(STDERR_FILENO, digits + at, sizeof digits - at);
}

void report_crash_and_die(int sig, siginfo_t* info, void* context) {
  ::alarm(5);  // backtrace() is not async-signal-safe: a hang in it ends by SIGALRM, not the test timeout
  write_text("\n*** fatal signal in the test process\n");
  write_hex("signal ", static_cast<std::uintptr_t>(sig));
  write_hex("si_code ", static_cast<std::uintptr_t>(info->si_code));
  write_hex("si_pid (sender, for a signal sent by a process) ", static_cast<std::uintptr_t>(info->si_pid));
  write_hex("fault address ", reinterpret_cast<std::uintptr_t>(info->si_addr));
#if defined(__x86_64__)
  const auto& regs = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  write_hex("instruction pointer ", static_cast<std::uintptr_t>(regs[REG_RIP]));
  // A jump to a null or wild pointer leaves no frame to unwind: the words on top of the stack
  // hold the return address of the call that made it (the caller), resolved like a backtrace.
  const auto sp = static_cast<std::uintptr_t>(regs[REG_RSP]);
  write_hex("stack pointer ", sp);
  const auto fault = reinterpret_cast<std::uintptr_t>(info->si_addr);
  if (sp != 0 && (fault < sp - 4096 || fault > sp + 4096)) {  // not a stack overflow: the words are readable
    write_text("top of stack (as code addresses):\n");
    void* words[8];
    for (int i = 0; i < 8; ++i) words[i] = reinterpret_cast<void* const*>(sp)[i];
    ::backtrace_symbols_fd(words, 8, STDERR_FILENO);
  }
#else
  (void)context;
#endif
  write_hex("thread ", static_cast<std::uintptr_t>(::syscall(SYS_gettid)));
  write_hex("process ", static_cast<std::uintptr_t>(::getpid()));
  write_text("backtrace:\n");
  void* frames[64];
  ::backtrace_symbols_fd(frames, ::backtrace(frames, 64), STDERR_FILENO);
  write_text("mappings:\n");
  const int maps = ::open("/proc/self/maps", O_RDONLY);
  char buf[4096];
  for (ssize_t n; maps >= 0 && (n = ::read(maps, buf, sizeof buf)) > 0;) (void)!::write(STDERR_FILENO, buf, n);
  ::raise(sig);  // SA_RESETHAND restored the default action, SA_NODEFER lets it in: the process ends
}

void install_crash_report() {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the signal handler
  // Its own stack, so that a stack overflow is still reported.
  static std::vector<char> handler_stack(1 << 16);
  stack_t ss{};
  ss.ss_sp = handler_stack.data();
  ss.ss_size = handler_stack.size();
  ::sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_sigaction = report_crash_and_die;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::sigaction(sig, &action, nullptr);
}

// The CPU generator only: torch::manual_seed also seeds every CUDA device's generator, which
// starts the CUDA driver in every test process of a CUDA build, the many that never use a GPU
// too. GPU suites seed what they draw on a device themselves. (Suspected in test_cli's crash on
// the GPU machine in session 15; the cause was libtorch.so's std::filesystem::remove_all, found
// in session 17: core/io/remove_tree.h.)
void seed_cpu_generator(std::uint64_t seed) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
}

}  // namespace

int main(int argc, char** argv) {
  install_crash_report();
  ::testing::InitGoogleTest(&argc, argv);
  seed_cpu_generator(0);
  return RUN_ALL_TESTS();
}
