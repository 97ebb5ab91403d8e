// NCCL between the GPU ranks of a multi-process job (torchrun/mpirun, one process per GPU):
// rank 0 makes the unique id, the world's store carries it to every rank, and each rank joins
// with ncclCommInitRank. One AllGather per round on the rank's own stream, watched by the
// CollectiveWatchdog; a failure is reported to the other ranks through the store.
#pragma once
#include <memory>

#include "core/engine/process_world.h"

namespace drf::gpu {

std::shared_ptr<TransportGroup> make_nccl_rank_transport_group(ProcessWorld& world, const torch::Device& device);

}  // namespace drf::gpu
