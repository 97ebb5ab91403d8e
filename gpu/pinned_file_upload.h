// The file-to-device copy gpu/ registers for the weight loader (core/io/file_to_device.h).
#pragma once
#include "core/io/file_to_device.h"

namespace drf::gpu {

// Reads the range chunk by chunk into pinned staging buffers (two per caller, so reading the
// next chunk overlaps the DMA of the last) and copies each with cudaMemcpyAsync on the device's
// current stream; returns once the bytes are on the device. Throws DeviceError naming the device
// when CUDA fails.
void copy_file_to_device(const MappedFile& file, std::uint64_t offset, std::uint64_t length, void* device_dst,
                         int device_index, const HostChunkCheck& check);

}  // namespace drf::gpu
