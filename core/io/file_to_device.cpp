#include "core/io/file_to_device.h"

#include <atomic>

namespace drf {
namespace {
std::atomic<FileToDeviceCopy> registered{nullptr};
}

void register_file_to_device_copy(FileToDeviceCopy copy) { registered.store(copy); }
FileToDeviceCopy file_to_device_copy() { return registered.load(); }

}  // namespace drf
