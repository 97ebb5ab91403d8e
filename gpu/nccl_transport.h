// NCCL transport between the GPUs of one workstation: one communicator per device, created
// as a group (ncclCommInitAll) and each used only by its own worker thread (sharing one
// communicator across threads can deadlock). One AllGather of noise estimates per round,
// on the worker's own CUDA stream, watched by the CollectiveWatchdog.
#pragma once
#include <memory>
#include <vector>

#include "core/engine/transport.h"

namespace drf::gpu {

std::unique_ptr<TransportGroup> make_nccl_transport_group(const std::vector<torch::Device>& devices);

}  // namespace drf::gpu
