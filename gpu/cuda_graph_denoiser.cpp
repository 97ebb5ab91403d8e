#include "gpu/cuda_graph_denoiser.h"

#include <algorithm>
#include <map>
#include <vector>

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/util/log.h"

namespace drf::gpu {
namespace {

std::string shape_key(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) {
  std::vector<std::pair<std::string, torch::Tensor>> inputs{{"x", x}, {"t", t}};
  for (auto& named : c.named()) inputs.push_back(std::move(named));
  std::string k;
  for (const auto& [name, tensor] : inputs) {
    k += name + ":" + std::string(c10::toString(tensor.scalar_type())) + "[";
    for (auto s : tensor.sizes()) k += std::to_string(s) + ",";
    k += "]";
  }
  return k;
}

// Captures on several devices may run at once (one worker thread per GPU); thread-local
// capture mode keeps one thread's capture from forbidding the others' allocations, and this
// mutex keeps captures from interleaving on the allocator.
std::mutex& capture_mutex() {
  static std::mutex m;
  return m;
}

// One capture stream per device for the whole process (callers hold capture_mutex). cuBLAS
// keeps a workspace (tens of MB) per (handle, stream) until the process ends: capturing each
// shape on a fresh pool stream left one workspace behind per capture, up to 32 per device.
c10::cuda::CUDAStream capture_stream(c10::DeviceIndex device) {
  static std::map<c10::DeviceIndex, c10::cuda::CUDAStream> streams;
  auto it = streams.find(device);
  if (it == streams.end())
    it = streams.emplace(device, c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device)).first;
  return it->second;
}

}  // namespace

struct CudaGraphDenoiser::Captured {
  at::cuda::CUDAGraph graph;
  torch::Tensor x, t, out;
  ConditioningTensors c;  // static copies of every conditioning tensor
};

CudaGraphDenoiser::CudaGraphDenoiser(std::shared_ptr<Denoiser> inner, torch::Device device)
    : inner_(std::move(inner)), device_(device) {}

CudaGraphDenoiser::~CudaGraphDenoiser() = default;

CudaGraphDenoiser::Captured& CudaGraphDenoiser::capture(const std::string& key, const torch::Tensor& x,
                                                        const torch::Tensor& t, const ConditioningTensors& c) {
  std::lock_guard<std::mutex> lock(capture_mutex());
  c10::cuda::CUDAGuard device_guard(device_);
  auto g = std::make_unique<Captured>();
  g->x = x.clone();
  g->t = t.clone();
  g->c = c.map([](const torch::Tensor& v) { return v.clone(); });
  auto caller = c10::cuda::getCurrentCUDAStream(device_.index());
  auto side = capture_stream(device_.index());
  side.synchronize();
  caller.synchronize();
  last_use_.synchronize();  // no replay of ours may still use the pool we capture into
  {
    c10::cuda::CUDAStreamGuard stream_guard(side);
    // One warm-up outside the capture: cuDNN and cuBLASLt choose (and time, once per shape)
    // their algorithms and create workspaces; the capture then reuses every choice. A second
    // warm-up found nothing new and cost one more eager call (~40 ms of an SDXL first image).
    inner_->forward(g->x, g->t, g->c);
    side.synchronize();
    if (pool_ == c10::cuda::MempoolId_t{0, 0}) pool_ = at::cuda::graph_pool_handle();
    g->graph.capture_begin(pool_, cudaStreamCaptureModeThreadLocal);
    g->out = inner_->forward(g->x, g->t, g->c);
    g->graph.capture_end();
    side.synchronize();
  }
  // The warm-up's activations and cuDNN's trial workspaces stay cached otherwise (hundreds
  // of MB per shape); the graph's own memory is in its pool and is kept.
  c10::cuda::CUDACachingAllocator::emptyCache();
  core_log()->info("captured CUDA graph for denoiser input {} on {}", key, device_.str());
  return *graphs_.emplace(key, std::move(g)).first->second;
}

CudaGraphDenoiser::Captured& CudaGraphDenoiser::capture_into_pool(const std::string& key, const torch::Tensor& x,
                                                                  const torch::Tensor& t,
                                                                  const ConditioningTensors& c) {
  if (graphs_.empty() || x.numel() <= largest_input_) {
    largest_input_ = std::max(largest_input_, x.numel());
    return capture(key, x, t, c);
  }
  // A larger input than any graph in the pool: its activations do not fit the blocks the
  // smaller graphs left free (a batch of 4 drafts next to the one-draft graph grew the pool by
  // nearly the whole new graph, not by the difference). Rebuild the pool largest first: drop
  // the graphs with their pool, capture the new one, then the others again (from their static
  // inputs) into its free blocks. Inputs only grow through this: once per new largest shape.
  last_use_.synchronize();
  struct Inputs {
    std::string key;
    torch::Tensor x, t;
    ConditioningTensors c;
  };
  std::vector<Inputs> others;
  for (const auto& [k, old] : graphs_) others.push_back({k, old->x, old->t, old->c});
  std::sort(others.begin(), others.end(), [](const Inputs& a, const Inputs& b) { return a.x.numel() > b.x.numel(); });
  graphs_.clear();
  pool_ = c10::cuda::MempoolId_t{0, 0};
  c10::cuda::CUDACachingAllocator::emptyCache();
  largest_input_ = x.numel();
  Captured& g = capture(key, x, t, c);
  for (const auto& o : others) capture(o.key, o.x, o.t, o.c);
  return g;
}

torch::Tensor CudaGraphDenoiser::forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (eager_only_ || x.device() != device_) return inner_->forward(x, t, c);
  const std::string key = shape_key(x, t, c);
  auto it = graphs_.find(key);
  Captured* g = nullptr;
  if (it != graphs_.end()) {
    g = it->second.get();
  } else {
    try {
      g = &capture_into_pool(key, x, t, c);
    } catch (const std::exception& e) {
      core_log()->warn("CUDA graph capture failed on {} ({}); running the denoiser eagerly", device_.str(), e.what());
      eager_only_ = true;
      graphs_.clear();
      return inner_->forward(x, t, c);
    }
  }
  auto stream = c10::cuda::getCurrentCUDAStream(device_.index());
  last_use_.block(stream);
  g->x.copy_(x, /*non_blocking=*/true);
  g->t.copy_(t, /*non_blocking=*/true);
  // Same key = same named tensors of the same shapes, in the same order.
  const auto statics = g->c.named();
  const auto inputs = c.named();
  for (std::size_t i = 0; i < statics.size(); ++i) statics[i].second.copy_(inputs[i].second, /*non_blocking=*/true);
  g->graph.replay();
  auto out = g->out.clone();
  last_use_.record(stream);
  return out;
}

std::shared_ptr<Denoiser> make_cuda_graph_denoiser(std::shared_ptr<Denoiser> inner, const torch::Device& device) {
  return std::make_shared<CudaGraphDenoiser>(std::move(inner), device);
}

}  // namespace drf::gpu
