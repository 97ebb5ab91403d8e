// Starts the ranks of a --distributed job as child processes, the way a launcher would: by
// hand (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT set per child) or through
// torchrun / mpirun. Each child's stdout and stderr go to files, so the test can watch a rank's
// progress, kill one, and time how long the others take to exit.
#pragma once
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace drf::test {

struct ChildExit {
  int exit_code = -1;       // 128 + signal when killed by a signal
  double seconds = 0;       // from start() until it exited
  bool timed_out = false;   // killed by wait_all's deadline
  std::string out, err;
};

class ChildGroup {
 public:
  explicit ChildGroup(std::string dir) : dir_(std::move(dir)) {}
  ~ChildGroup();
  // One child; `env` entries are "NAME=value" added to this process's environment.
  void start(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env);
  // Blocks until child `i`'s stderr contains `text` (false after timeout_s or when it exited).
  bool wait_for_stderr(std::size_t i, const std::string& text, double timeout_s);
  void kill_child(std::size_t i, int signal);
  // Waits for every child (SIGKILL after timeout_s); the exits in start order.
  std::vector<ChildExit> wait_all(double timeout_s);

 private:
  struct Child {
    pid_t pid = -1;
    std::string out_path, err_path;
    bool done = false;
    ChildExit exit;
  };
  std::string dir_;
  std::vector<Child> children_;
  double started_ = 0;
};

// A TCP port that was free a moment ago (bound to port 0 and released).
int free_port();
// A python3 that has torch.distributed.run (Debian's python3-torch), or "" when none.
std::string python_with_torchrun();
std::string read_text(const std::string& path);

}  // namespace drf::test
