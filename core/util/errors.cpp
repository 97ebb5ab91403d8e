#include "core/util/errors.h"

namespace drf {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return "usage";
    case ErrorKind::Input: return "input";
    case ErrorKind::Device: return "device";
    case ErrorKind::Io: return "io";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

void throw_as_kind(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::Usage: throw UsageError(e.what());
    case ErrorKind::Input: throw InputError(e.what());
    case ErrorKind::Device: throw DeviceError(e.what());
    case ErrorKind::Io: throw IoError(e.what());
    case ErrorKind::Cancelled: throw Cancelled();
    case ErrorKind::Internal: break;
  }
  throw e;
}

}  // namespace drf
