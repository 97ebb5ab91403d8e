#include "gpu/pinned_file_upload.h"

#include <cuda_runtime.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/util/errors.h"

namespace drf::gpu {
namespace {

// 8 MiB chunks: the DMA of one (~0.3 ms at PCIe 5 rates) hides behind the pread of the next
// (~1.5 ms from the page cache). Each loader thread holds 16 MiB pinned while it loads; the pool
// keeps what the busiest load used (eight threads: 128 MiB per device loaded to).
constexpr std::uint64_t kChunkBytes = 8ull << 20;

void check_cuda(cudaError_t e, const char* what, int device) {
  if (e != cudaSuccess)
    throw DeviceError(std::string("copying weights to cuda:") + std::to_string(device) + ": " + what + " failed: " +
                      cudaGetErrorString(e));
}

// Two pinned chunks and the events that say when their last DMA is done. Events belong to one
// device, so a buffer pair serves only the device it was made for.
struct StagingBuffers {
  int device = 0;
  char* host = nullptr;  // 2 * kChunkBytes, pinned
  cudaEvent_t copied[2] = {nullptr, nullptr};
};

// Buffer pairs outlive the loads that use them (cudaHostAlloc costs milliseconds); never freed,
// so no destructor calls CUDA after the runtime has shut down at exit.
class StagingPool {
 public:
  std::unique_ptr<StagingBuffers> acquire(int device) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = free_.begin(); it != free_.end(); ++it) {
        if ((*it)->device != device) continue;
        auto buffers = std::move(*it);
        free_.erase(it);
        return buffers;
      }
    }
    auto b = std::make_unique<StagingBuffers>();
    b->device = device;
    void* host = nullptr;
    check_cuda(cudaHostAlloc(&host, 2 * kChunkBytes, cudaHostAllocPortable), "cudaHostAlloc", device);
    b->host = static_cast<char*>(host);
    for (auto& e : b->copied) {
      const cudaError_t made = cudaEventCreateWithFlags(&e, cudaEventDisableTiming);
      if (made == cudaSuccess) continue;
      for (auto& other : b->copied)
        if (other) cudaEventDestroy(other);
      cudaFreeHost(b->host);
      check_cuda(made, "cudaEventCreate", device);
    }
    return b;
  }
  void release(std::unique_ptr<StagingBuffers> b) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(b));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<StagingBuffers>> free_;
};

StagingPool& pool() {
  static auto* p = new StagingPool;
  return *p;
}

// Returns the buffers to the pool on every way out. A DMA still pending after an error is waited
// for by the next user (cudaEventSynchronize before a chunk is overwritten).
class Lease {
 public:
  explicit Lease(int device) : b_(pool().acquire(device)) {}
  ~Lease() { pool().release(std::move(b_)); }
  StagingBuffers& operator*() { return *b_; }

 private:
  std::unique_ptr<StagingBuffers> b_;
};

}  // namespace

void copy_file_to_device(const MappedFile& file, std::uint64_t offset, std::uint64_t length, void* device_dst,
                         int device_index, const HostChunkCheck& check) {
  int device = device_index;
  if (device < 0) check_cuda(cudaGetDevice(&device), "cudaGetDevice", -1);
  const c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device));
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device)).stream();
  Lease lease(device);
  StagingBuffers& b = *lease;
  auto* dst = static_cast<char*>(device_dst);
  for (std::uint64_t done = 0, i = 0; done < length; ++i) {
    const std::uint64_t n = std::min(kChunkBytes, length - done);
    char* chunk = b.host + (i % 2) * kChunkBytes;
    check_cuda(cudaEventSynchronize(b.copied[i % 2]), "waiting for a staging buffer", device);
    file.read(chunk, offset + done, n);
    if (check) check(chunk, n);
    check_cuda(cudaMemcpyAsync(dst + done, chunk, n, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync", device);
    check_cuda(cudaEventRecord(b.copied[i % 2], stream), "cudaEventRecord", device);
    done += n;
  }
  // The bytes are on the device when this returns, as after the pageable copy it replaces: a
  // caller may hand the tensor to a thread on another stream (MappedWeightSource's fused chunks).
  for (auto& e : b.copied) check_cuda(cudaEventSynchronize(e), "waiting for the upload", device);
}

}  // namespace drf::gpu
