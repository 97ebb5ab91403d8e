// Copy-based transport: each worker posts its rows in a shared slot, waits for the others,
// then copies every slot to its own device.
#include <mutex>

#include "core/engine/transport.h"
#include "core/util/device_sync.h"

namespace drf {
namespace {

class CopyTransportGroup;

class CopyTransport : public Transport {
 public:
  CopyTransport(CopyTransportGroup& group, int rank, torch::Device device)
      : group_(group), rank_(rank), device_(device) {}
  torch::Tensor all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) override;

 private:
  CopyTransportGroup& group_;
  int rank_;
  torch::Device device_;
};

class CopyTransportGroup : public TransportGroup {
 public:
  explicit CopyTransportGroup(int size) : TransportGroup(size), slots_(static_cast<std::size_t>(size)) {}
  std::string name() const override { return "copy"; }
  std::unique_ptr<Transport> connect(int rank, const torch::Device& device) override {
    return std::make_unique<CopyTransport>(*this, rank, device);
  }
  std::vector<torch::Tensor> slots_;
};

torch::Tensor CopyTransport::all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) {
  // Other threads read this tensor from their own streams: finish producing it first.
  synchronize_device(local.device());
  group_.slots_[static_cast<std::size_t>(rank_)] = local;
  group_.barrier().arrive_and_wait(rank_);  // every slot is posted
  std::vector<torch::Tensor> parts;
  for (std::size_t r = 0; r < group_.slots_.size(); ++r)
    if (counts[r] > 0) parts.push_back(group_.slots_[r].to(device_));
  auto all = torch::cat(parts);
  group_.barrier().arrive_and_wait(rank_);  // every worker has copied: slots may be reused
  return all;
}

TransportGroupFactory& factory_slot() {
  static TransportGroupFactory f = nullptr;
  return f;
}

}  // namespace

std::unique_ptr<TransportGroup> make_copy_transport_group(int size) { return std::make_unique<CopyTransportGroup>(size); }

void register_nccl_transport_factory(TransportGroupFactory factory) { factory_slot() = factory; }
TransportGroupFactory nccl_transport_factory() { return factory_slot(); }

}  // namespace drf
