// One job spread over processes (torchrun, mpirun, or the variables set by hand): the
// rendezvous through c10d's TCPStore, the peer table (host, pid, device, build of every rank),
// values broadcast from rank 0 and verified on every rank, and a watcher thread that notices a
// rank that failed, vanished or disagrees and ends this process through a handler, so that no
// rank waits forever on a peer that is gone. docs/distributed.md.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/engine/launch_env.h"
#include "core/engine/transport.h"
#include "core/util/errors.h"

namespace drf {

// Another rank failed, vanished, never arrived or disagrees (the CLI exits with code 5).
struct PeerFailure : Error {
  explicit PeerFailure(const std::string& m) : Error(ErrorKind::Device, m) {}
};

struct PeerInfo {
  std::string host;
  long pid = 0;
  std::string device;  // "cpu", "cuda:1"
  std::string build;   // version line of the binary
};

struct WorldTimeouts {
  std::chrono::milliseconds rendezvous{120000};  // every rank arrives (DRIFFUSION_RENDEZVOUS_TIMEOUT_S)
  std::chrono::milliseconds peer{10000};         // heartbeat silence = rank lost (DRIFFUSION_PEER_TIMEOUT_S)
  std::chrono::milliseconds collective{120000};  // one collective (DRIFFUSION_COLLECTIVE_TIMEOUT_S)
  static WorldTimeouts from_environment();
};

class ProcessWorld {
 public:
  // Called once, on the watcher thread, when another rank failed, vanished or disagreed; the
  // message names it (rank, host, pid). The CLI prints it and exits; if it returns, the watcher stops.
  using PeerFailureHandler = std::function<void(const std::string& message)>;

  // Connects to the store (rank 0 serves it unless torchrun's agent does), publishes this
  // rank's PeerInfo, waits for every rank and checks that all run the same build. Throws
  // PeerFailure naming the ranks that did not arrive or differ; UsageError for a bad address.
  static std::shared_ptr<ProcessWorld> join(const LaunchEnv& env, const PeerInfo& self, const WorldTimeouts& timeouts,
                                            PeerFailureHandler on_peer_failure);
  ~ProcessWorld();

  int rank() const;
  int size() const;
  const LaunchEnv& env() const;
  const WorldTimeouts& timeouts() const;
  const std::vector<PeerInfo>& peers() const;
  std::string label(int rank) const;  // "rank 2 (host-b, pid 4711, cpu)"

  // Every rank calls these in the same order. broadcast: rank 0's value reaches everybody.
  std::string broadcast(const std::string& what, const std::string& value);
  // Every rank publishes its value; all throw PeerFailure naming the first rank whose value
  // differs from rank 0's.
  void verify_same(const std::string& what, const std::string& value);

  // This rank failed on its own: the others exit naming it.
  void report_failure(const std::string& message);
  // A collective failed on this rank: gives the watcher time to name a lost or failed peer
  // (its handler ends the process); returns when none is to blame.
  void wait_for_peer_verdict();
  // The job succeeded here. Rank 0 (which may serve the store) waits for every rank first.
  void finish();

  // The transport between this process and the others for a worker on `device`: Gloo on the
  // CPU, NCCL (ncclCommInitRank, unique id through the store) on a GPU. Made once per world.
  std::shared_ptr<TransportGroup> transport_group(const torch::Device& device);

  struct Impl;

 private:
  explicit ProcessWorld(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// gpu/ registers the NCCL group for GPU ranks at start-up.
using ProcessTransportFactory = std::shared_ptr<TransportGroup> (*)(ProcessWorld& world, const torch::Device& device);
void register_nccl_process_transport_factory(ProcessTransportFactory factory);

// The world this process joined (the CLI's --distributed), seen by the generation job; null otherwise.
void set_current_process_world(std::shared_ptr<ProcessWorld> world);
std::shared_ptr<ProcessWorld> current_process_world();

}  // namespace drf
