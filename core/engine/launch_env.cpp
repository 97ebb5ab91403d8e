#include "core/engine/launch_env.h"

#include <cerrno>
#include <cstdlib>

#include "core/util/errors.h"

namespace drf {
namespace {

long parse_number(const std::string& name, const char* text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
    throw UsageError("--distributed: environment variable " + name + "='" + text + "' is not a number from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

}  // namespace

LaunchEnv read_launch_env(const std::function<const char*(const char*)>& get_fn) {
  auto get = [&](const char* name) -> const char* {
    const char* v = get_fn ? get_fn(name) : std::getenv(name);
    return v && *v ? v : nullptr;
  };
  LaunchEnv env;
  const bool mpi = get("OMPI_COMM_WORLD_RANK") != nullptr;
  const char* rank_name = mpi ? "OMPI_COMM_WORLD_RANK" : "RANK";
  const char* size_name = mpi ? "OMPI_COMM_WORLD_SIZE" : "WORLD_SIZE";
  const char* local_name = mpi ? "OMPI_COMM_WORLD_LOCAL_RANK" : "LOCAL_RANK";
  constexpr long kMaxWorld = 4096;
  for (const char* name : {rank_name, size_name, "MASTER_ADDR", "MASTER_PORT"})
    if (!get(name))
      throw UsageError(std::string("--distributed: environment variable ") + name +
                       " is not set (start the processes with torchrun, or with mpirun -x MASTER_ADDR -x MASTER_PORT; "
                       "docs/distributed.md)");
  env.world_size = static_cast<int>(parse_number(size_name, get(size_name), 1, kMaxWorld));
  env.rank = static_cast<int>(parse_number(rank_name, get(rank_name), 0, env.world_size - 1));
  env.local_rank = get(local_name) ? static_cast<int>(parse_number(local_name, get(local_name), 0, kMaxWorld)) : 0;
  env.master_addr = get("MASTER_ADDR");
  env.master_port = static_cast<int>(parse_number("MASTER_PORT", get("MASTER_PORT"), 1, 65535));
  // torchrun >= 1.9 serves the store from its agent on MASTER_PORT and tells its workers to
  // connect as clients (what torch.distributed's env:// init does).
  const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
  env.agent_store = agent && std::string(agent) == "True";
  if (const char* rc = get("TORCHELASTIC_RESTART_COUNT"))
    env.restart_count = static_cast<int>(parse_number("TORCHELASTIC_RESTART_COUNT", rc, 0, 1 << 20));
  env.launcher = mpi ? "mpirun" : (get("TORCHELASTIC_RUN_ID") ? "torchrun" : "env");
  return env;
}

}  // namespace drf
