#include "core/engine/process_group_gloo.h"

#include <cstdlib>

#include "core/engine/process_world.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"

// LibTorch builds Gloo into libtorch_cpu on Linux; its headers come with LibTorch (2.x) or
// Debian's libgloo-dev (1.13). USE_C10D_GLOO opens ProcessGroupGloo.hpp.
#if __has_include(<gloo/algorithm.h>)
#define DRIFFUSION_HAVE_GLOO 1
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace drf {

#ifdef DRIFFUSION_HAVE_GLOO
namespace {

class GlooTransportGroup;

class GlooTransport : public Transport {
 public:
  explicit GlooTransport(GlooTransportGroup& group) : group_(group) {}
  torch::Tensor all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) override;

 private:
  GlooTransportGroup& group_;
};

class GlooTransportGroup : public TransportGroup {
 public:
  GlooTransportGroup(ProcessWorld& world, c10::intrusive_ptr<c10d::Store> store)
      : TransportGroup(world.size()), world_(world) {
    auto options = c10d::ProcessGroupGloo::Options::create(world.timeouts().collective);
    // GLOO_SOCKET_IFNAME picks the network interface (as in torch.distributed); otherwise the
    // address this host name resolves to.
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                                 : c10d::ProcessGroupGloo::createDefaultDevice());
    try {
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, world.rank(), world.size(), options);
    } catch (const std::exception& e) {
      throw PeerFailure("the Gloo process group between the ranks could not connect: " + first_line(e.what()));
    }
  }
  std::string name() const override { return "gloo"; }
  std::unique_ptr<Transport> connect(int, const torch::Device&) override { return std::make_unique<GlooTransport>(*this); }
  int process_rank() const override { return world_.rank(); }
  std::string worker_label(int rank) const override { return world_.label(rank); }

  ProcessWorld& world_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};

torch::Tensor GlooTransport::all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) {
  const int64_t most = *std::max_element(counts.begin(), counts.end());
  std::vector<int64_t> shape(local.sizes().begin(), local.sizes().end());
  // Gloo gathers equal shares: pad the short ones, cut them after.
  torch::Tensor send = local.contiguous();
  if (local.size(0) < most) {
    shape[0] = most - local.size(0);
    send = torch::cat({send, torch::zeros(shape, local.options())});
  }
  shape[0] = most;
  std::vector<at::Tensor> inputs{send};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (std::size_t r = 0; r < counts.size(); ++r) outputs[0].push_back(torch::empty(shape, local.options()));
  try {
    auto work = group_.pg_->allgather(outputs, inputs);
    work->wait(group_.world_.timeouts().collective);
  } catch (const std::exception& e) {
    // A peer that died closes its connections: let the watcher name it before blaming ourselves.
    group_.world_.wait_for_peer_verdict();
    const std::string what = "the AllGather between the ranks failed on " + group_.world_.label(group_.world_.rank()) +
                             ": " + first_line(e.what());
    group_.world_.report_failure(what);
    throw PeerFailure(what);
  }
  std::vector<torch::Tensor> parts;
  for (std::size_t r = 0; r < counts.size(); ++r)
    if (counts[r] > 0) parts.push_back(outputs[0][r].narrow(0, 0, counts[r]));
  return torch::cat(parts);
}

}  // namespace

std::shared_ptr<TransportGroup> make_gloo_transport_group(ProcessWorld& world, c10::intrusive_ptr<c10d::Store> store) {
  return std::make_shared<GlooTransportGroup>(world, std::move(store));
}
#else
std::shared_ptr<TransportGroup> make_gloo_transport_group(ProcessWorld&, c10::intrusive_ptr<c10d::Store>) {
  throw DeviceError("CPU ranks need c10d's Gloo process group, and this build found no Gloo headers (libgloo-dev)");
}
#endif

}  // namespace drf
