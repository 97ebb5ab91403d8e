#include "app/cli/cancel_signal.h"

#include <csignal>

namespace drf::cli {
namespace {

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

// Async-signal-safe: one store to a lock-free atomic, nothing else.
extern "C" void on_cancel_signal(int) { g_cancel.store(true, std::memory_order_relaxed); }

}  // namespace

const std::atomic<bool>* install_cancel_signal() {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = on_cancel_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // the second signal gets the default action: terminate
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return &g_cancel;
}

}  // namespace drf::cli
