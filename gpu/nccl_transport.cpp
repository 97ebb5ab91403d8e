#include "gpu/nccl_transport.h"

#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cstdlib>
#include <mutex>
#include <nccl.h>

#include "core/util/errors.h"
#include "core/util/log.h"
#include "gpu/collective_watchdog.h"
#include "gpu/nccl_common.h"

namespace drf::gpu {
namespace {

std::chrono::milliseconds collective_timeout() {
  const char* env = std::getenv("DRIFFUSION_COLLECTIVE_TIMEOUT_S");
  const long s = env ? std::max(1L, std::atol(env)) : 120L;
  return std::chrono::milliseconds(s * 1000);
}

class NcclTransportGroup;

class NcclTransport : public Transport {
 public:
  NcclTransport(NcclTransportGroup& group, int rank, torch::Device device);
  torch::Tensor all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) override;

 private:
  NcclTransportGroup& group_;
  int rank_;
  torch::Device device_;
  c10::cuda::CUDAStream stream_;
  c10::cuda::CUDAStreamGuard stream_guard_;  // this worker's own stream for everything it does
};

class NcclTransportGroup : public TransportGroup {
 public:
  explicit NcclTransportGroup(const std::vector<torch::Device>& devices)
      : TransportGroup(static_cast<int>(devices.size())), devices_(devices), comms_(devices.size()) {
    std::vector<int> ids;
    for (const auto& d : devices) ids.push_back(d.index());
    // Connect every peer now rather than inside the first collective (NCCL >= 2.22 connects
    // lazily by default): a lazy connect blocks the first rank's host thread in AllGather
    // until every peer has reached it, with device set-up work in between.
    setenv("NCCL_RUNTIME_CONNECT", "0", /*overwrite=*/0);
    check_nccl(ncclCommInitAll(comms_.data(), static_cast<int>(ids.size()), ids.data()), "communicator set-up");
    watchdog_ = std::make_unique<CollectiveWatchdog>(
        collective_timeout(), [this] { return async_errors(); }, [this](const std::string& why) { abort(why); });
  }
  ~NcclTransportGroup() override {
    watchdog_.reset();
    std::lock_guard<std::mutex> lock(comm_mutex_);
    for (auto c : comms_)
      if (c) aborted_comms_ ? ncclCommAbort(c) : ncclCommDestroy(c);
  }
  std::string name() const override { return "nccl"; }
  std::unique_ptr<Transport> connect(int rank, const torch::Device& device) override {
    return std::make_unique<NcclTransport>(*this, rank, device);
  }
  void abort(const std::string& reason) override {
    TransportGroup::abort(reason);
    std::lock_guard<std::mutex> lock(comm_mutex_);
    if (aborted_comms_) return;
    aborted_comms_ = true;
    core_log()->error("aborting NCCL communicators: {}", reason);
    for (auto c : comms_) ncclCommAbort(c);
    for (auto& c : comms_) c = nullptr;
  }
  ncclComm_t comm(int rank) {
    std::lock_guard<std::mutex> lock(comm_mutex_);
    if (aborted_comms_) throw DeviceError("NCCL communicators were aborted after a device failure");
    return comms_[static_cast<std::size_t>(rank)];
  }
  CollectiveWatchdog& watchdog() { return *watchdog_; }

 private:
  std::string async_errors() {
    std::lock_guard<std::mutex> lock(comm_mutex_);
    for (std::size_t r = 0; r < comms_.size(); ++r) {
      if (!comms_[r]) continue;
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comms_[r], &state);
      if (state != ncclSuccess && state != ncclInProgress)
        return "NCCL error on " + devices_[r].str() + ": " + ncclGetErrorString(state);
    }
    return "";
  }

  std::vector<torch::Device> devices_;
  std::vector<ncclComm_t> comms_;
  std::mutex comm_mutex_;
  bool aborted_comms_ = false;
  std::unique_ptr<CollectiveWatchdog> watchdog_;
};

NcclTransport::NcclTransport(NcclTransportGroup& group, int rank, torch::Device device)
    : group_(group),
      rank_(rank),
      device_(device),
      stream_((c10::cuda::set_device(device.index()), c10::cuda::getStreamFromPool(true, device.index()))),
      stream_guard_(stream_) {}

torch::Tensor NcclTransport::all_gather(const torch::Tensor& local, const std::vector<int64_t>& counts) {
  const int64_t most = *std::max_element(counts.begin(), counts.end());
  std::vector<int64_t> row_shape(local.sizes().begin() + 1, local.sizes().end());
  int64_t row = 1;
  for (auto s : row_shape) row *= s;
  // Every rank sends the same number of rows: pad the short shares.
  torch::Tensor send = local.contiguous();
  if (local.size(0) < most) {
    std::vector<int64_t> pad_shape = {most - local.size(0)};
    pad_shape.insert(pad_shape.end(), row_shape.begin(), row_shape.end());
    send = torch::cat({send, torch::zeros(pad_shape, local.options())});
  }
  std::vector<int64_t> all_shape = {most * static_cast<int64_t>(counts.size())};
  all_shape.insert(all_shape.end(), row_shape.begin(), row_shape.end());
  auto recv = torch::empty(all_shape, local.options());
  check_nccl(ncclAllGather(send.data_ptr(), recv.data_ptr(), static_cast<std::size_t>(most * row),
                           nccl_type(local.scalar_type(), "NCCL transport"), group_.comm(rank_), stream_.stream()),
             "AllGather on " + device_.str());
  cudaEvent_t done;
  cudaEventCreateWithFlags(&done, cudaEventDisableTiming);
  cudaEventRecord(done, stream_.stream());
  group_.watchdog().watch(done, rank_, device_.str());
  bool even = std::all_of(counts.begin(), counts.end(), [&](int64_t c) { return c == most; });
  if (even) return recv;
  std::vector<torch::Tensor> parts;
  for (std::size_t r = 0; r < counts.size(); ++r)
    if (counts[r] > 0) parts.push_back(recv.narrow(0, static_cast<int64_t>(r) * most, counts[r]));
  return torch::cat(parts);
}

}  // namespace

std::unique_ptr<TransportGroup> make_nccl_transport_group(const std::vector<torch::Device>& devices) {
  return std::make_unique<NcclTransportGroup>(devices);
}

}  // namespace drf::gpu
