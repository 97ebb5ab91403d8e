#include "tests/multiprocess/rank_launcher.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace drf::test {
namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ChildGroup::~ChildGroup() {
  for (auto& c : children_)
    if (!c.done && c.pid > 0) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, nullptr, 0);
    }
}

void ChildGroup::start(const std::string& program, const std::vector<std::string>& args,
                       const std::vector<std::string>& env) {
  if (children_.empty()) started_ = now_s();
  Child c;
  const std::string base = dir_ + "/child" + std::to_string(children_.size());
  c.out_path = base + ".out";
  c.err_path = base + ".err";
  // The parent's environment without the variables `env` sets (getenv takes the first match).
  const auto key = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (std::none_of(env.begin(), env.end(), [&](const std::string& o) { return key(o) == key(entry); }))
      envs.push_back(entry);
  }
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> argv{const_cast<char*>(program.c_str())}, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // posix_spawn, not fork: no pthread_atfork handler of the loaded libraries runs (with CUDA
  // LibTorch 2.11 the forking test process crashed; tests/cli/cli_process.cpp).
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, c.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, c.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);  // its own group: a launcher's workers are killed with it
  const int spawned = ::posix_spawnp(&c.pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(spawned));
  children_.push_back(std::move(c));
}

bool ChildGroup::wait_for_stderr(std::size_t i, const std::string& text, double timeout_s) {
  const double until = now_s() + timeout_s;
  while (now_s() < until) {
    if (read_text(children_.at(i).err_path).find(text) != std::string::npos) return true;
    int status = 0;
    if (::waitpid(children_[i].pid, &status, WNOHANG) == children_[i].pid) {
      children_[i].done = true;
      children_[i].exit.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      children_[i].exit.seconds = now_s() - started_;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ChildGroup::kill_child(std::size_t i, int signal) { ::kill(children_.at(i).pid, signal); }

std::vector<ChildExit> ChildGroup::wait_all(double timeout_s) {
  const double until = now_s() + timeout_s;
  for (;;) {
    bool all = true;
    for (auto& c : children_) {
      if (c.done) continue;
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.done = true;
        c.exit.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        c.exit.seconds = now_s() - started_;
      } else {
        all = false;
      }
    }
    if (all) break;
    if (now_s() > until) {
      for (auto& c : children_)
        if (!c.done) {
          ::kill(-c.pid, SIGKILL);
          ::kill(c.pid, SIGKILL);
          ::waitpid(c.pid, nullptr, 0);
          c.done = true;
          c.exit.timed_out = true;
          c.exit.seconds = now_s() - started_;
        }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<ChildExit> out;
  for (auto& c : children_) {
    c.exit.out = read_text(c.out_path);
    c.exit.err = read_text(c.err_path);
    out.push_back(c.exit);
  }
  return out;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free TCP port");
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string python_with_torchrun() {
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    const std::string cmd = std::string(py) + " -c 'import torch.distributed.run' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return "";
}

}  // namespace drf::test
