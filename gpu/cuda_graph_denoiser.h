// Replays the denoiser as a CUDA graph, one graph per input shape. A guided UNet step is a
// few hundred small kernels; launching them one by one from the host costs more than the
// arithmetic at SD sizes on an H100/H200, and a graph replay launches them all at once.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGraphsC10Utils.h>
#include <torch/torch.h>

#include "core/sampling/denoiser.h"

namespace drf::gpu {

class CudaGraphDenoiser : public Denoiser {
 public:
  CudaGraphDenoiser(std::shared_ptr<Denoiser> inner, torch::Device device);
  ~CudaGraphDenoiser() override;
  // Every tensor of `c` (context, pooled, time ids, extras) is one more static input of the
  // graph; the set of defined tensors and their shapes is part of the graph's key.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const ConditioningTensors& c) override;
  PredictionType prediction_type() const override { return inner_->prediction_type(); }

 private:
  struct Captured;
  Captured& capture(const std::string& key, const torch::Tensor& x, const torch::Tensor& t,
                    const ConditioningTensors& c);
  // capture(), keeping the pool packed: the largest input's graph is always captured first.
  Captured& capture_into_pool(const std::string& key, const torch::Tensor& x, const torch::Tensor& t,
                              const ConditioningTensors& c);

  std::shared_ptr<Denoiser> inner_;
  torch::Device device_;
  std::map<std::string, std::unique_ptr<Captured>> graphs_;
  // One memory pool for all of this denoiser's graphs: they never run at the same time, so
  // they can share scratch memory instead of holding one pool per input shape.
  c10::cuda::MempoolId_t pool_{0, 0};
  int64_t largest_input_ = 0;  // elements of the largest input captured into pool_
  // Recorded after every replay's output is copied out. Several workers (threads, streams)
  // may share this replica through the copy transport: each replay waits for the previous
  // one on the GPU, since all of them use the same static buffers and pool.
  at::cuda::CUDAEvent last_use_;
  bool eager_only_ = false;  // set when a capture failed: the model is not graph-safe
  std::mutex mutex_;         // one replica may serve several workers (copy transport)
};

std::shared_ptr<Denoiser> make_cuda_graph_denoiser(std::shared_ptr<Denoiser> inner, const torch::Device& device);

}  // namespace drf::gpu
