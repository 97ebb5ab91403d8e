#include "gpu/fused_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>

namespace drf::gpu::kernels {
namespace {

constexpr int kVec = 8;  // elements per vector access: 16 bytes of fp16/bf16
// Pass 1 keeps a [row slices][channels] table of fp32 sums in shared memory: at most 48 KiB.
constexpr int64_t kMaxChannels = 48 * 1024 / (2 * sizeof(float));

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <typename T>
struct alignas(sizeof(T) * kVec) Vec {
  T v[kVec];
};

__device__ __forceinline__ float silu(float v) { return v / (1.0f + __expf(-v)); }

constexpr int kThreads = 256;

// Row slices a statistics block walks in parallel (threads per row: one per 8 channels).
int64_t row_slices(int64_t c) {
  const int64_t cvec = c / kVec;
  return cvec > kThreads ? 1 : kThreads / cvec;
}

// How the statistics pass splits the spatial rows (the launch and the workspace size both use
// this): enough blocks to fill the GPU a few times over, but at least 4 loads per thread.
struct Chunking {
  int64_t rows, chunks;
};
Chunking chunking(int64_t n, int64_t hw, int64_t c, int sm_count) {
  const int64_t target_blocks = 4LL * std::max(sm_count, 1);
  const int64_t wanted = std::max<int64_t>(1, target_blocks / std::max<int64_t>(n, 1));
  const int64_t rows = std::min(hw, std::max((hw + wanted - 1) / wanted, 4 * row_slices(c)));
  return {rows, (hw + rows - 1) / rows};
}

// Pass 1: per (sample, chunk of rows, group) sums of v and v^2 in fp32, v = x (+ shift).
// Each thread owns 8 channels (one 16-byte load per row) and walks rows; the block's row
// slices, then its channels, meet in shared memory and are summed in a fixed order, so the
// results are deterministic.
template <typename T>
__global__ void channel_partial_sums(const T* __restrict__ x, const T* __restrict__ shift, int64_t hw, int64_t c,
                                     int64_t groups, int64_t rows, int64_t chunks, float* __restrict__ partial) {
  extern __shared__ float slices[];  // [row_slices][c][2]
  const int64_t n = blockIdx.y, chunk = blockIdx.x;
  const int64_t r0 = chunk * rows, r1 = min(hw, r0 + rows);
  const int64_t cvec = c / kVec;
  const bool wide = cvec > blockDim.x;  // then one row slice, threads loop over channel vectors
  const int64_t row_slices = wide ? 1 : blockDim.x / cvec;
  const int64_t t = threadIdx.x;
  if (wide || t < row_slices * cvec) {
    const int64_t slice = wide ? 0 : t / cvec;
    for (int64_t cv = wide ? t : t % cvec; cv < cvec; cv += wide ? blockDim.x : cvec) {
      float add[kVec] = {}, s[kVec] = {}, ss[kVec] = {};
      if (shift) {
        const Vec<T> sh = reinterpret_cast<const Vec<T>*>(shift + n * c)[cv];
#pragma unroll
        for (int k = 0; k < kVec; ++k) add[k] = to_float(sh.v[k]);
      }
      for (int64_t r = r0 + slice; r < r1; r += row_slices) {
        const Vec<T> in = reinterpret_cast<const Vec<T>*>(x + (n * hw + r) * c)[cv];
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
          const float v = to_float(in.v[k]) + add[k];
          s[k] += v;
          ss[k] += v * v;
        }
      }
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        slices[(slice * c + cv * kVec + k) * 2] = s[k];
        slices[(slice * c + cv * kVec + k) * 2 + 1] = ss[k];
      }
    }
  }
  __syncthreads();
  for (int64_t ch = t; ch < c; ch += blockDim.x) {  // row slices -> slice 0 (each thread its own channels)
    float s = 0.f, ss = 0.f;
    for (int64_t slice = 0; slice < row_slices; ++slice) {
      s += slices[(slice * c + ch) * 2];
      ss += slices[(slice * c + ch) * 2 + 1];
    }
    slices[ch * 2] = s;
    slices[ch * 2 + 1] = ss;
  }
  __syncthreads();
  const int64_t cpg = c / groups;
  for (int64_t g = t; g < groups; g += blockDim.x) {  // channels -> groups
    float s = 0.f, ss = 0.f;
    for (int64_t ch = g * cpg; ch < (g + 1) * cpg; ++ch) {
      s += slices[ch * 2];
      ss += slices[ch * 2 + 1];
    }
    float* p = partial + ((n * chunks + chunk) * groups + g) * 2;
    p[0] = s;
    p[1] = ss;
  }
}

// Pass 2: one warp per (sample, group) merges the group's chunk sums in double, in a fixed
// order, into mean and 1/std.
__global__ void group_moments(const float* __restrict__ partial, int64_t n_count, int64_t hw, int64_t c,
                              int64_t groups, int64_t chunks, float eps, float* __restrict__ moments) {
  const int64_t warp = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= n_count * groups) return;
  const int64_t n = warp / groups, g = warp - n * groups;
  double s = 0.0, ss = 0.0;
  for (int64_t k = lane; k < chunks; k += 32) {
    const float* p = partial + ((n * chunks + k) * groups + g) * 2;
    s += p[0];
    ss += p[1];
  }
  for (int off = 16; off > 0; off /= 2) {
    s += __shfl_xor_sync(0xffffffffu, s, off);
    ss += __shfl_xor_sync(0xffffffffu, ss, off);
  }
  if (lane == 0) {
    const double elems = static_cast<double>(hw * (c / groups));
    const double mean = s / elems;
    const double var = fmax(ss / elems - mean * mean, 0.0);
    moments[warp * 2] = static_cast<float>(mean);
    moments[warp * 2 + 1] = static_cast<float>(1.0 / sqrt(var + static_cast<double>(eps)));
  }
}

// Pass 3: y = (x + shift - mean) / std * weight + bias (then SiLU), 8 elements per thread.
template <typename T, bool Silu>
__global__ void group_apply(const T* __restrict__ x, const T* __restrict__ shift, const T* __restrict__ weight,
                            const T* __restrict__ bias, const float* __restrict__ moments, T* __restrict__ out,
                            int64_t hw, int64_t c, int64_t groups, int64_t vectors) {
  const int64_t cpg = c / groups;
  for (int64_t v = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; v < vectors;
       v += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t e = v * kVec;
    const int64_t ch = e % c, n = e / (hw * c);
    const Vec<T> in = reinterpret_cast<const Vec<T>*>(x)[v];
    const Vec<T> w = *reinterpret_cast<const Vec<T>*>(weight + ch);
    const Vec<T> b = *reinterpret_cast<const Vec<T>*>(bias + ch);
    Vec<T> sh{}, res;
    if (shift) sh = *reinterpret_cast<const Vec<T>*>(shift + n * c + ch);
    int64_t g = ch / cpg, next = (g + 1) * cpg;
    const float* m = moments + (n * groups + g) * 2;
    float mean = m[0], rstd = m[1];
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      if (ch + k == next) {  // the 8 channels cross into the next group
        ++g;
        next += cpg;
        mean = m[2];
        rstd = m[3];
        m += 2;
      }
      const float xv = to_float(in.v[k]) + (shift ? to_float(sh.v[k]) : 0.f);
      const float y = (xv - mean) * rstd * to_float(w.v[k]) + to_float(b.v[k]);
      res.v[k] = from_float<T>(Silu ? silu(y) : y);
    }
    reinterpret_cast<Vec<T>*>(out)[v] = res;
  }
}

template <typename T>
__global__ void geglu_kernel(const T* __restrict__ in, T* __restrict__ out, int64_t half, int64_t vectors) {
  for (int64_t v = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; v < vectors;
       v += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t e = v * kVec;
    const int64_t m = e / half, i = e - m * half;
    const T* row = in + m * 2 * half;
    Vec<T> a = *reinterpret_cast<const Vec<T>*>(row + i);
    Vec<T> b = *reinterpret_cast<const Vec<T>*>(row + half + i);
    Vec<T> res;
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      const float g = to_float(b.v[k]);
      res.v[k] = from_float<T>(to_float(a.v[k]) * (0.5f * g * (1.0f + erff(g * 0.70710678118654752f))));
    }
    reinterpret_cast<Vec<T>*>(out)[v] = res;
  }
}

// LayerNorm over the last dimension, one warp per row: the row stays in registers (PerLane
// vectors of 8 per lane), so x is read once; mean, then the variance around it, are summed
// lane-wise and across the warp by a fixed butterfly (deterministic). ATen's kernel gives each
// row a whole block, which at the UNet's 320 to 1280 channels leaves most threads idle.
// Without weight and bias the affine step is skipped; with shift and scale (the MMDiT's adaLN)
// the normalised row of batch b = row / rows_per_batch becomes y * (1 + scale[b]) + shift[b].
template <typename T, int PerLane>
__global__ void layer_norm_rows(const T* __restrict__ x, const T* __restrict__ weight, const T* __restrict__ bias,
                                const T* __restrict__ shift, const T* __restrict__ scale, int64_t rows_per_batch,
                                int64_t modulation_stride, T* __restrict__ out, int64_t rows, int64_t c, float eps) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = blockDim.x / 32, cvec = c / kVec;
  for (int64_t row = blockIdx.x * warps + threadIdx.x / 32; row < rows; row += static_cast<int64_t>(gridDim.x) * warps) {
    const Vec<T>* in = reinterpret_cast<const Vec<T>*>(x + row * c);
    float v[PerLane][kVec];
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < PerLane; ++j) {
      const int64_t cv = lane + j * 32;
      if (cv < cvec) {
        const Vec<T> t = in[cv];
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
          v[j][k] = to_float(t.v[k]);
          sum += v[j][k];
        }
      }
    }
    for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, off);
    const float mean = sum / static_cast<float>(c);
    float sq = 0.f;
#pragma unroll
    for (int j = 0; j < PerLane; ++j) {
      if (lane + j * 32 < cvec) {
#pragma unroll
        for (int k = 0; k < kVec; ++k) {
          const float d = v[j][k] - mean;
          sq += d * d;
        }
      }
    }
    for (int off = 16; off > 0; off /= 2) sq += __shfl_xor_sync(0xffffffffu, sq, off);
    const float rstd = rsqrtf(sq / static_cast<float>(c) + eps);
    Vec<T>* dst = reinterpret_cast<Vec<T>*>(out + row * c);
#pragma unroll
    for (int j = 0; j < PerLane; ++j) {
      const int64_t cv = lane + j * 32;
      if (cv < cvec) {
        float y[kVec];
#pragma unroll
        for (int k = 0; k < kVec; ++k) y[k] = (v[j][k] - mean) * rstd;
        if (weight) {
          const Vec<T> w = reinterpret_cast<const Vec<T>*>(weight)[cv];
          const Vec<T> b = reinterpret_cast<const Vec<T>*>(bias)[cv];
#pragma unroll
          for (int k = 0; k < kVec; ++k) y[k] = y[k] * to_float(w.v[k]) + to_float(b.v[k]);
        }
        if (scale) {
          const int64_t m = (row / rows_per_batch) * modulation_stride;
          const Vec<T> sc = reinterpret_cast<const Vec<T>*>(scale + m)[cv];
          const Vec<T> sh = reinterpret_cast<const Vec<T>*>(shift + m)[cv];
#pragma unroll
          for (int k = 0; k < kVec; ++k) y[k] = y[k] * (1.0f + to_float(sc.v[k])) + to_float(sh.v[k]);
        }
        Vec<T> res;
#pragma unroll
        for (int k = 0; k < kVec; ++k) res.v[k] = from_float<T>(y[k]);
        dst[cv] = res;
      }
    }
  }
}

int grid_for(int64_t work, int threads) {
  const int64_t blocks = (work + threads - 1) / threads;
  return static_cast<int>(std::min<int64_t>(std::max<int64_t>(blocks, 1), 65535LL * 8));
}

template <typename T>
cudaError_t group_norm_typed(const GroupNormNhwc& a, int sm_count, cudaStream_t stream) {
  const auto [rows, chunks] = chunking(a.n, a.hw, a.c, sm_count);
  float* partial = a.workspace;
  float* moments = a.workspace + a.n * chunks * a.groups * 2;
  const T* x = static_cast<const T*>(a.x);
  const T* shift = static_cast<const T*>(a.shift);
  const size_t shared = static_cast<size_t>(row_slices(a.c) * a.c * 2) * sizeof(float);
  channel_partial_sums<T><<<dim3(static_cast<unsigned>(chunks), static_cast<unsigned>(a.n)), kThreads, shared, stream>>>(
      x, shift, a.hw, a.c, a.groups, rows, chunks, partial);
  group_moments<<<grid_for(a.n * a.groups * 32, kThreads), kThreads, 0, stream>>>(partial, a.n, a.hw, a.c, a.groups,
                                                                                  chunks, a.eps, moments);
  const int64_t vectors = a.n * a.hw * a.c / kVec;
  const T* w = static_cast<const T*>(a.weight);
  const T* b = static_cast<const T*>(a.bias);
  T* out = static_cast<T*>(a.out);
  if (a.silu)
    group_apply<T, true><<<grid_for(vectors, kThreads), kThreads, 0, stream>>>(x, shift, w, b, moments, out, a.hw, a.c,
                                                                              a.groups, vectors);
  else
    group_apply<T, false><<<grid_for(vectors, kThreads), kThreads, 0, stream>>>(x, shift, w, b, moments, out, a.hw,
                                                                               a.c, a.groups, vectors);
  return cudaGetLastError();
}

template <typename T>
cudaError_t layer_norm_typed(const LayerNormRows& a, int sm_count, cudaStream_t stream) {
  constexpr int kWarps = 8;
  const int64_t blocks = std::min<int64_t>((a.rows + kWarps - 1) / kWarps, 32LL * std::max(sm_count, 1));
  const dim3 grid(static_cast<unsigned>(std::max<int64_t>(blocks, 1)));
  const T* x = static_cast<const T*>(a.x);
  const T* w = static_cast<const T*>(a.weight);
  const T* b = static_cast<const T*>(a.bias);
  const T* shift = static_cast<const T*>(a.shift);
  const T* scale = static_cast<const T*>(a.scale);
  T* out = static_cast<T*>(a.out);
  const int64_t per_lane = (a.c / kVec + 31) / 32;
#define DRF_LAYER_NORM(N)                                                                                         \
  layer_norm_rows<T, N><<<grid, kWarps * 32, 0, stream>>>(x, w, b, shift, scale, a.rows_per_batch,                 \
                                                          a.modulation_stride, out, a.rows, a.c, a.eps)
  if (per_lane <= 1)
    DRF_LAYER_NORM(1);
  else if (per_lane <= 2)
    DRF_LAYER_NORM(2);
  else if (per_lane <= 4)
    DRF_LAYER_NORM(4);
  else
    DRF_LAYER_NORM(8);
#undef DRF_LAYER_NORM
  return cudaGetLastError();
}

}  // namespace

int64_t layer_norm_max_channels() { return 8 * 32 * kVec; }

cudaError_t layer_norm(const LayerNormRows& args, int sm_count, cudaStream_t stream) {
  if (args.c % kVec != 0 || args.c > layer_norm_max_channels()) return cudaErrorInvalidValue;
  if ((args.weight == nullptr) != (args.bias == nullptr) || (args.shift == nullptr) != (args.scale == nullptr) ||
      (args.scale && (args.rows_per_batch <= 0 || args.rows % args.rows_per_batch != 0 ||
                      args.modulation_stride % kVec != 0)))
    return cudaErrorInvalidValue;
  switch (args.dtype) {
    case DType::f32: return layer_norm_typed<float>(args, sm_count, stream);
    case DType::f16: return layer_norm_typed<__half>(args, sm_count, stream);
    case DType::bf16: return layer_norm_typed<__nv_bfloat16>(args, sm_count, stream);
  }
  return cudaErrorInvalidValue;
}

int64_t group_norm_workspace_floats(int64_t n, int64_t hw, int64_t c, int64_t groups, int sm_count) {
  const int64_t chunks = chunking(n, hw, c, sm_count).chunks;
  return n * chunks * groups * 2 + n * groups * 2;
}

int64_t group_norm_max_channels() { return kMaxChannels; }

cudaError_t group_norm_nhwc(const GroupNormNhwc& args, int sm_count, cudaStream_t stream) {
  switch (args.dtype) {
    case DType::f32: return group_norm_typed<float>(args, sm_count, stream);
    case DType::f16: return group_norm_typed<__half>(args, sm_count, stream);
    case DType::bf16: return group_norm_typed<__nv_bfloat16>(args, sm_count, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t geglu(DType dtype, const void* in, void* out, int64_t rows, int64_t half, cudaStream_t stream) {
  const int64_t vectors = rows * half / kVec;
  const int grid = grid_for(vectors, 256);
  switch (dtype) {
    case DType::f32:
      geglu_kernel<float><<<grid, 256, 0, stream>>>(static_cast<const float*>(in), static_cast<float*>(out), half, vectors);
      break;
    case DType::f16:
      geglu_kernel<__half><<<grid, 256, 0, stream>>>(static_cast<const __half*>(in), static_cast<__half*>(out), half, vectors);
      break;
    case DType::bf16:
      geglu_kernel<__nv_bfloat16><<<grid, 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(in),
                                                            static_cast<__nv_bfloat16*>(out), half, vectors);
      break;
  }
  return cudaGetLastError();
}

}  // namespace drf::gpu::kernels
