// How the workers of one SPMD run exchange their share of a round's noise estimates.
// CopyTransportGroup (core) copies tensors between threads and serves CPU workers, tests and
// several workers on one GPU; the NCCL group (gpu/) is the fast path between GPUs.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/engine/host_barrier.h"

namespace drf {

class Transport {
 public:
  virtual ~Transport() = default;
  // Every worker passes its rows [counts[rank], ...] (on its own device); every worker gets
  // all rows [sum(counts), ...] in rank order, on its own device.
  virtual torch::Tensor all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) = 0;
};

class TransportGroup {
 public:
  explicit TransportGroup(int size) : size_(size), barrier_(size) {}
  virtual ~TransportGroup() = default;
  int size() const { return size_; }
  virtual std::string name() const = 0;
  // Called on worker `rank`'s own thread before it does anything else (binds its device,
  // stream and communicator).
  virtual std::unique_ptr<Transport> connect(int rank, const torch::Device& device) = 0;
  // Ends the run for every worker after one failed; blocked workers throw instead of waiting.
  virtual void abort(const std::string& reason) { barrier_.abort(reason); }
  // A group whose workers are separate processes (torchrun, mpirun: core/engine/process_world.h)
  // returns this process's rank; its one local worker then agrees on cancellation and hands its
  // timings to rank 0 through the transport instead of the host barrier. -1: threads of one process.
  virtual int process_rank() const { return -1; }
  // "rank 2 on host-b (cpu)": names a worker in timings and errors of a multi-process run.
  virtual std::string worker_label(int rank) const { return "worker " + std::to_string(rank); }
  HostBarrier& barrier() { return barrier_; }

 private:
  int size_;
  HostBarrier barrier_;
};

std::unique_ptr<TransportGroup> make_copy_transport_group(int size);

// gpu/ registers a factory for NCCL groups over distinct CUDA devices at start-up.
using TransportGroupFactory = std::unique_ptr<TransportGroup> (*)(const std::vector<torch::Device>& devices);
void register_nccl_transport_factory(TransportGroupFactory factory);
TransportGroupFactory nccl_transport_factory();  // nullptr when gpu/ is not linked in

}  // namespace drf
