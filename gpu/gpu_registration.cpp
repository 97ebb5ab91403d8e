#include "gpu/gpu_registration.h"

#include <ATen/Context.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/engine/denoiser_accelerator.h"
#include "core/engine/device_info.h"
#include "core/engine/transport.h"
#include "core/util/device_sync.h"
#include "core/util/environment_switch.h"
#include "gpu/cuda_devices.h"
#include "gpu/cuda_graph_denoiser.h"
#include "gpu/deterministic.h"
#include "gpu/fused_ops_cuda.h"
#include "gpu/memory_stats.h"
#include "gpu/pinned_file_upload.h"
#ifdef DRIFFUSION_HAVE_NCCL
#include "gpu/nccl_rank_transport.h"
#include "gpu/nccl_transport.h"
#endif

namespace drf::gpu {

void register_gpu_backend() {
  register_device_lister(&list_cuda_devices);
  set_device_synchronizer([](const torch::Device& d) {
    if (d.is_cuda()) c10::cuda::getCurrentCUDAStream(d.index()).synchronize();
  });
  register_memory_stats(&peak_reserved_bytes, &reset_peak_allocated, &allocated_bytes, &release_cached_blocks);
#ifdef DRIFFUSION_HAVE_NCCL
  register_nccl_transport_factory(&make_nccl_transport_group);
  register_nccl_process_transport_factory(&make_nccl_rank_transport_group);
#endif
  register_denoiser_accelerator(&make_cuda_graph_denoiser);
  register_fused_kernels();
  // Weights go from the file to the GPU through pinned staging buffers; DRIFFUSION_PINNED_UPLOAD=0
  // keeps the pageable copy (A/B runs).
  if (!environment_says_off("DRIFFUSION_PINNED_UPLOAD")) register_file_to_device_copy(&copy_file_to_device);
  // cuDNN's heuristics choose the convolution algorithms by default: timing every candidate per
  // new shape (benchmark mode) costs ~1 s of an SDXL first image and gave no faster loop (one
  // H100, 2026-12-05: SD 1.5 335.8 vs 337.4-340.5 ms, SDXL 1612 vs 1618 ms; docs/gpu.md).
  // DRIFFUSION_CUDNN_BENCHMARK=1 turns the timing on; DRIFFUSION_DETERMINISTIC=1 keeps it off
  // whatever is asked (gpu/deterministic.h).
  const bool deterministic = deterministic_algorithms();
  at::globalContext().setBenchmarkCuDNN(!deterministic && environment_says_on("DRIFFUSION_CUDNN_BENCHMARK"));
  at::globalContext().setDeterministicCuDNN(deterministic);
  at::globalContext().setAllowTF32CuBLAS(true);
  at::globalContext().setAllowTF32CuDNN(true);
}

}  // namespace drf::gpu
