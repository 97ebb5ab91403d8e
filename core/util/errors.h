// Error types thrown inside core. Each carries a category so that the job boundary (and the
// CLI's exit codes) can tell a bad setting from a bad file from a failing device.
#pragma once
#include <stdexcept>
#include <string>

namespace drf {

enum class ErrorKind {
  Usage,      // an absurd or contradictory setting
  Input,      // a missing, corrupt or hostile file (model, tokenizer, image)
  Device,     // a CUDA/NCCL failure or out-of-memory on a named device
  Io,         // cannot write an output file
  Cancelled,  // the user cancelled
  Internal,   // a bug
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

struct UsageError : Error {
  explicit UsageError(const std::string& m) : Error(ErrorKind::Usage, m) {}
};
struct InputError : Error {
  explicit InputError(const std::string& m) : Error(ErrorKind::Input, m) {}
};
struct DeviceError : Error {
  explicit DeviceError(const std::string& m) : Error(ErrorKind::Device, m) {}
};
struct IoError : Error {
  explicit IoError(const std::string& m) : Error(ErrorKind::Io, m) {}
};
struct Cancelled : Error {
  Cancelled() : Error(ErrorKind::Cancelled, "cancelled") {}
};

const char* error_kind_name(ErrorKind kind);
// Throws `e` as the subclass its kind names (so catch (const DeviceError&) works for errors
// built as plain drf::Error, e.g. by translating a LibTorch exception).
[[noreturn]] void throw_as_kind(const Error& e);

}  // namespace drf
