// Ctrl+C for long CLI jobs: the first SIGINT (or SIGTERM) only sets the engine's cancel flag,
// so the job stops at the next round and writes nothing partial (exit code 130); the handler
// then uninstalls itself, so a second Ctrl+C ends the process at once.
#pragma once
#include <atomic>

namespace drf::cli {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>* install_cancel_signal();

}  // namespace drf::cli
