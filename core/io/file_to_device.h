// Copies a byte range of a file straight into device memory. A GPU backend registers a copy
// through pinned staging buffers (gpu/pinned_file_upload.cpp): the default path, pread into
// pageable memory and a synchronous upload, ran at 6.5-7.5 GB/s for a whole model on an H100 or
// H200 (docs/sdxl.md), which was most of a first image's loading time. Core must not include CUDA
// headers, hence the registration.
#pragma once
#include <cstdint>
#include <functional>

#include "core/io/mapped_file.h"

namespace drf {

// Sees each chunk on the host before it is uploaded (the loader's NaN / Inf count).
using HostChunkCheck = std::function<void(const void* data, std::uint64_t bytes)>;

// Copies [offset, offset + length) of `file` to `device_dst` on CUDA device `device_index` (-1:
// the current device) and returns once the bytes are there.
// Every chunk's size is a multiple of 8 bytes except perhaps the last, so a check that reads
// whole elements of up to 8 bytes never sees a split one. Throws what file.read throws.
using FileToDeviceCopy = void (*)(const MappedFile& file, std::uint64_t offset, std::uint64_t length,
                                  void* device_dst, int device_index, const HostChunkCheck& check);

void register_file_to_device_copy(FileToDeviceCopy copy);
FileToDeviceCopy file_to_device_copy();  // null until a backend registers one (CPU builds)

}  // namespace drf
