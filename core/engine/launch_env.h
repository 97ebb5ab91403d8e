// Where a process of a multi-process job stands, read from its launcher's environment:
// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_*) or Open MPI's
// mpirun (OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK, with MASTER_ADDR/MASTER_PORT passed by -x).
// Plain C++ (no LibTorch): the CLI reads it before anything loads. docs/distributed.md.
#pragma once
#include <functional>
#include <string>

namespace drf {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  // index of this process among those of its host: its GPU
  std::string master_addr;
  int master_port = 0;
  std::string launcher;          // "torchrun", "mpirun" or "env" (variables set by hand)
  bool agent_store = false;      // torchrun's agent already serves the store on MASTER_PORT
  int restart_count = 0;         // torchrun's restart attempt (keys are namespaced by it)
};

// Reads the variables through `get` (std::getenv by default; a map in tests). Throws
// UsageError naming the missing or malformed variable.
LaunchEnv read_launch_env(const std::function<const char*(const char*)>& get = nullptr);

}  // namespace drf
