// driffusion generate --distributed: this process is one rank of a job started by torchrun or
// mpirun (docs/distributed.md). Joins the world, adopts rank 0's job (settings, prompts,
// count: a random seed is drawn once) and verifies it by hash on every rank.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/engine/process_world.h"
#include "core/engine/settings.h"

namespace drf::cli {

struct DistributedJob {
  GenerationSettings settings;
  std::vector<std::string> prompts;
  int count = 1;
};

// Reads the launcher's environment and joins. The device: the CPU, or with a single GPU in
// --devices, GPU LOCAL_RANK. When a peer fails later the process prints the reason and exits
// with kPeerFailure (5) from the watcher thread.
std::shared_ptr<ProcessWorld> join_distributed(const GenerationSettings& settings, const char* command);

// Rank 0's job reaches every rank (each keeps its own device); every rank checks the hash of
// what it will run against rank 0's.
DistributedJob agree_job(ProcessWorld& world, const DistributedJob& mine);

// True once per process: whoever reports the peer failure first (watcher or main thread)
// prints it; the other stays silent.
bool claim_peer_failure_report();

}  // namespace drf::cli
