// Sets an environment variable for a scope and restores what was there (or its absence) after,
// also when an ASSERT leaves the test early.
#pragma once
#include <cstdlib>
#include <optional>
#include <string>

namespace drf::test {

class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* v = std::getenv(name_.c_str())) before_ = v;
    set(value);
  }
  ~ScopedEnv() {
    if (before_) ::setenv(name_.c_str(), before_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  void set(const std::string& value) { ::setenv(name_.c_str(), value.c_str(), 1); }

 private:
  std::string name_;
  std::optional<std::string> before_;
};

}  // namespace drf::test
