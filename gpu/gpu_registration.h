// Plugs the CUDA/NCCL implementations into core's hooks (device listing, device sync,
// NCCL transport, CUDA-graph denoisers, memory statistics). Called once by each executable
// that links driffusion_gpu, before it uses the engine.
#pragma once

namespace drf::gpu {
void register_gpu_backend();
}
