// Fused CUDA kernels for the UNet's memory-bound operations, on raw device pointers (this
// interface stays free of LibTorch so that nvcc compiles only plain CUDA). fused_ops_cuda.cpp
// checks tensors, allocates and launches them on the current stream. All reductions run in a
// fixed order: the same input gives the same bits on every run (no atomics).
#pragma once
#include <cstdint>

#include <cuda_runtime.h>

namespace drf::gpu::kernels {

enum class DType { f32, f16, bf16 };

struct GroupNormNhwc {
  DType dtype;
  const void* x;       // [N, HW, C] (an NCHW tensor in channels-last memory)
  const void* shift;   // [N, C] added to x before normalising, or nullptr
  const void* weight;  // [C]
  const void* bias;    // [C]
  void* out;           // [N, HW, C]
  float* workspace;    // group_norm_workspace_floats() floats
  int64_t n, hw, c, groups;
  float eps;
  bool silu;
};

// Widest channel count group_norm_nhwc takes.
int64_t group_norm_max_channels();
// Floats of scratch memory group_norm_nhwc needs for these sizes.
int64_t group_norm_workspace_floats(int64_t n, int64_t hw, int64_t c, int64_t groups, int sm_count);
cudaError_t group_norm_nhwc(const GroupNormNhwc& args, int sm_count, cudaStream_t stream);

// out[m, i] = in[m, i] * gelu(in[m, half + i]) for in: [rows, 2 * half], out: [rows, half].
cudaError_t geglu(DType dtype, const void* in, void* out, int64_t rows, int64_t half, cudaStream_t stream);

struct LayerNormRows {
  DType dtype;
  const void* x;       // [rows, c], rows contiguous
  const void* weight;  // [c], or nullptr with bias: no affine step
  const void* bias;    // [c]
  void* out;           // [rows, c]
  int64_t rows, c;
  float eps;
  // adaLN modulation (nullptr: none): y * (1 + scale[b]) + shift[b] for the rows of batch
  // b = row / rows_per_batch; shift and scale rows are modulation_stride elements apart.
  const void* shift = nullptr;
  const void* scale = nullptr;
  int64_t rows_per_batch = 0, modulation_stride = 0;
};

// Widest row layer_norm takes (c must also be a multiple of 8).
int64_t layer_norm_max_channels();
cudaError_t layer_norm(const LayerNormRows& args, int sm_count, cudaStream_t stream);

}  // namespace drf::gpu::kernels
