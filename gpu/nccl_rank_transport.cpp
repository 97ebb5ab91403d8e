#include "gpu/nccl_rank_transport.h"

#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nccl.h>

#include "core/util/errors.h"
#include "core/util/log.h"
#include "gpu/collective_watchdog.h"
#include "gpu/nccl_common.h"

namespace drf::gpu {
namespace {

class NcclRankGroup;

class NcclRankTransport : public Transport {
 public:
  NcclRankTransport(NcclRankGroup& group, torch::Device device)
      : group_(group),
        device_(device),
        stream_((c10::cuda::set_device(device.index()), c10::cuda::getStreamFromPool(true, device.index()))),
        stream_guard_(stream_) {}
  torch::Tensor all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) override;

 private:
  NcclRankGroup& group_;
  torch::Device device_;
  c10::cuda::CUDAStream stream_;
  c10::cuda::CUDAStreamGuard stream_guard_;
};

class NcclRankGroup : public TransportGroup {
 public:
  NcclRankGroup(ProcessWorld& world, const torch::Device& device) : TransportGroup(world.size()), world_(world) {
    c10::cuda::set_device(device.index());
    ncclUniqueId id;
    std::memset(&id, 0, sizeof id);
    if (world.rank() == 0) check_nccl(ncclGetUniqueId(&id), "unique id");
    const std::string shared =
        world.broadcast("nccl unique id", std::string(reinterpret_cast<const char*>(&id), sizeof id));
    if (shared.size() != sizeof id) throw PeerFailure("the NCCL unique id from " + world.label(0) + " has the wrong size");
    std::memcpy(&id, shared.data(), sizeof id);
    // Connect every peer now, not inside the first collective (as nccl_transport.cpp does).
    setenv("NCCL_RUNTIME_CONNECT", "0", /*overwrite=*/0);
    check_nccl(ncclCommInitRank(&comm_, world.size(), id, world.rank()),
               "communicator set-up on " + world.label(world.rank()));
    watchdog_ = std::make_unique<CollectiveWatchdog>(
        world.timeouts().collective, [this] { return async_error(); },
        [this](const std::string& why) {
          world_.report_failure(why);
          abort(why);
        });
  }
  ~NcclRankGroup() override {
    watchdog_.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    if (comm_) aborted_ ? ncclCommAbort(comm_) : ncclCommDestroy(comm_);
  }
  std::string name() const override { return "nccl"; }
  std::unique_ptr<Transport> connect(int, const torch::Device& device) override {
    return std::make_unique<NcclRankTransport>(*this, device);
  }
  int process_rank() const override { return world_.rank(); }
  std::string worker_label(int rank) const override { return world_.label(rank); }
  void abort(const std::string& reason) override {
    TransportGroup::abort(reason);
    std::lock_guard<std::mutex> lock(mutex_);
    if (aborted_) return;
    aborted_ = true;
    core_log()->error("aborting the NCCL communicator: {}", reason);
    if (comm_) ncclCommAbort(comm_);
    comm_ = nullptr;
  }
  ncclComm_t comm() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (aborted_) throw PeerFailure("the NCCL communicator between the ranks was aborted after a failure");
    return comm_;
  }
  CollectiveWatchdog& watchdog() { return *watchdog_; }
  ProcessWorld& world() { return world_; }

 private:
  std::string async_error() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!comm_) return "";
    ncclResult_t state = ncclSuccess;
    ncclCommGetAsyncError(comm_, &state);
    if (state != ncclSuccess && state != ncclInProgress)
      return "NCCL error on " + world_.label(world_.rank()) + ": " + ncclGetErrorString(state);
    return "";
  }

  ProcessWorld& world_;
  ncclComm_t comm_ = nullptr;
  std::mutex mutex_;
  bool aborted_ = false;
  std::unique_ptr<CollectiveWatchdog> watchdog_;
};

torch::Tensor NcclRankTransport::all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) {
  const int64_t most = *std::max_element(counts.begin(), counts.end());
  std::vector<int64_t> shape(local.sizes().begin(), local.sizes().end());
  int64_t row = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) row *= shape[i];
  torch::Tensor send = local.contiguous();
  if (local.size(0) < most) {  // every rank sends the same number of rows
    shape[0] = most - local.size(0);
    send = torch::cat({send, torch::zeros(shape, local.options())});
  }
  shape[0] = most * static_cast<int64_t>(counts.size());
  auto recv = torch::empty(shape, local.options());
  check_nccl(ncclAllGather(send.data_ptr(), recv.data_ptr(), static_cast<std::size_t>(most * row),
                           nccl_type(local.scalar_type(), "NCCL rank transport"), group_.comm(), stream_.stream()),
             "AllGather on " + group_.world().label(group_.world().rank()));
  cudaEvent_t done;
  cudaEventCreateWithFlags(&done, cudaEventDisableTiming);
  cudaEventRecord(done, stream_.stream());
  group_.watchdog().watch(done, group_.world().rank(), device_.str());
  std::vector<torch::Tensor> parts;
  for (std::size_t r = 0; r < counts.size(); ++r)
    if (counts[r] > 0) parts.push_back(recv.narrow(0, static_cast<int64_t>(r) * most, counts[r]));
  return parts.size() == counts.size() && counts[0] == most &&
                 std::all_of(counts.begin(), counts.end(), [&](int64_t c) { return c == most; })
             ? recv
             : torch::cat(parts);
}

}  // namespace

std::shared_ptr<TransportGroup> make_nccl_rank_transport_group(ProcessWorld& world, const torch::Device& device) {
  return std::make_shared<NcclRankGroup>(world, device);
}

}  // namespace drf::gpu
