#include "gpu/cublaslt_linear.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <cublasLt.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

namespace drf::gpu {
namespace {

// A [rows, cols] row-major view of a tensor's memory: unit column stride, rows `ld` apart.
struct Matrix {
  const void* data;
  int64_t rows, cols, ld;
  std::size_t element_size;
  std::uintptr_t begin() const { return reinterpret_cast<std::uintptr_t>(data); }
  std::uintptr_t end() const { return begin() + ((rows - 1) * ld + cols) * element_size; }
};

std::optional<Matrix> as_matrix(const torch::Tensor& t, int64_t cols) {
  if (t.dim() < 1 || t.size(-1) != cols || t.numel() == 0) return std::nullopt;
  const int64_t rows = t.numel() / cols;
  const auto size = static_cast<std::size_t>(t.element_size());
  if (t.is_contiguous()) return Matrix{t.data_ptr(), rows, cols, cols, size};
  if (t.dim() == 2 && t.stride(1) == 1 && t.stride(0) >= cols) return Matrix{t.data_ptr(), rows, cols, t.stride(0), size};
  return std::nullopt;
}

bool overlap(const Matrix& a, const Matrix& b) { return a.begin() < b.end() && b.begin() < a.end(); }

// The alignment cuBLASLt may assume for a matrix: its address and every row start (<= 256).
uint32_t alignment(const Matrix& m) {
  uint32_t a = 256;
  while (a > 1 && (m.begin() % a != 0 || (m.ld * m.element_size) % a != 0)) a /= 2;
  return a;
}

void check(cublasStatus_t s, const char* what) {
  TORCH_CHECK(s == CUBLAS_STATUS_SUCCESS, "cuBLASLt ", what, " failed: ", cublasLtGetStatusString(s));
}

bool environment_says_off(const char* name) {
  const char* v = std::getenv(name);
  return v && std::strcmp(v, "0") == 0;
}

// One matrix product's cuBLASLt descriptors. cuBLASLt is column-major: the row-major
// out[M, N] = x[M, K] @ weight[N, K]^T is out^T (N x M) = weight^T (op T of K x N) * x^T (K x M).
struct Plan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr, d = nullptr;
  cublasLtMatmulPreference_t preference = nullptr;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  Plan() = default;
  ~Plan() {
    if (preference) cublasLtMatmulPreferenceDestroy(preference);
    for (auto* layout : {a, b, c, d})
      if (layout) cublasLtMatrixLayoutDestroy(layout);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

// What identifies a product for the tuned-algorithm cache.
struct ShapeKey {
  int device, dtype;
  int64_t m, n, k, ldx, ldr, ldo;
  bool bias, residual;
  uint32_t align_x, align_w, align_r, align_o;
  auto tie() const {
    return std::tie(device, dtype, m, n, k, ldx, ldr, ldo, bias, residual, align_x, align_w, align_r, align_o);
  }
  bool operator<(const ShapeKey& o) const { return tie() < o.tie(); }
};

std::mutex& tuned_mutex() {
  static std::mutex m;
  return m;
}
std::map<ShapeKey, cublasLtMatmulAlgo_t>& tuned() {
  static std::map<ShapeKey, cublasLtMatmulAlgo_t> t;
  return t;
}

bool capturing(cudaStream_t stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  return cudaStreamIsCapturing(stream, &status) != cudaSuccess || status != cudaStreamCaptureStatusNone;
}

}  // namespace

torch::Tensor cublaslt_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              const torch::Tensor& residual, const torch::Tensor& out) {
  static const bool enabled = !environment_says_off("DRIFFUSION_CUBLASLT");
  const auto dtype = x.scalar_type();
  if (!enabled || !x.is_cuda() || (dtype != torch::kFloat16 && dtype != torch::kBFloat16)) return {};
  if (weight.dim() != 2 || !weight.is_contiguous() || weight.scalar_type() != dtype || weight.device() != x.device())
    return {};
  const int64_t n = weight.size(0), k = weight.size(1);
  const auto same = [&](const torch::Tensor& t) { return t.scalar_type() == dtype && t.device() == x.device(); };
  if (bias.defined() && !(same(bias) && bias.dim() == 1 && bias.size(0) == n && bias.is_contiguous())) return {};
  const auto mx = as_matrix(x, k);
  if (!mx) return {};
  const int64_t m = mx->rows;
  auto sizes = x.sizes().vec();
  sizes.back() = n;
  std::optional<Matrix> mr, mo;
  if (residual.defined()) {
    if (!same(residual) || !(mr = as_matrix(residual, n)) || mr->rows != m) return {};
  }
  torch::Tensor result = out;
  if (result.defined()) {
    if (!same(result) || !(mo = as_matrix(result, n)) || mo->rows != m) return {};
    if (overlap(*mo, *mx) || (mr && overlap(*mo, *mr))) return {};  // tuning runs the product several times
  } else {
    result = torch::empty(sizes, x.options());
    mo = as_matrix(result, n);
  }
  const auto mw = *as_matrix(weight, k);

  c10::cuda::CUDAGuard guard(x.device());
  const auto data_type = dtype == torch::kFloat16 ? CUDA_R_16F : CUDA_R_16BF;
  Plan p;
  check(cublasLtMatmulDescCreate(&p.op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "descriptor");
  const cublasOperation_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
  check(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof(transpose)), "TRANSA");
  check(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof(keep)), "TRANSB");
  if (bias.defined()) {
    const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    const void* bias_data = bias.data_ptr();
    check(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)), "epilogue");
    check(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias_data, sizeof(bias_data)),
          "bias");
  }
  check(cublasLtMatrixLayoutCreate(&p.a, data_type, k, n, k), "layout A");
  check(cublasLtMatrixLayoutCreate(&p.b, data_type, k, m, mx->ld), "layout B");
  check(cublasLtMatrixLayoutCreate(&p.d, data_type, n, m, mo->ld), "layout D");
  check(cublasLtMatrixLayoutCreate(&p.c, data_type, n, m, mr ? mr->ld : mo->ld), "layout C");

  const ShapeKey key{x.device().index(), static_cast<int>(dtype), m, n, k, mx->ld, mr ? mr->ld : 0, mo->ld,
                     bias.defined(), mr.has_value(), alignment(*mx), alignment(mw), mr ? alignment(*mr) : 0,
                     alignment(*mo)};
  auto handle = at::cuda::getCurrentCUDABlasLtHandle();
  auto stream = at::cuda::getCurrentCUDAStream(x.device().index());
  void* workspace = at::cuda::getCUDABlasLtWorkspace();
  const std::size_t workspace_bytes = at::cuda::getCUDABlasLtWorkspaceSize();
  const float alpha = 1.0f, beta = mr ? 1.0f : 0.0f;
  const void* c_data = mr ? mr->data : mo->data;
  const auto run = [&](const cublasLtMatmulAlgo_t& algo) {
    return cublasLtMatmul(handle, p.op, &alpha, weight.data_ptr(), p.a, mx->data, p.b, &beta, c_data, p.c,
                          result.data_ptr(), p.d, &algo, workspace, workspace_bytes, stream);
  };

  std::optional<cublasLtMatmulAlgo_t> chosen;
  {
    std::lock_guard<std::mutex> lock(tuned_mutex());
    auto it = tuned().find(key);
    if (it != tuned().end()) chosen = it->second;
  }
  if (!chosen) {
    check(cublasLtMatmulPreferenceCreate(&p.preference), "preference");
    check(cublasLtMatmulPreferenceSetAttribute(p.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                               &workspace_bytes, sizeof(workspace_bytes)),
          "workspace size");
    const std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> alignments[] = {
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, key.align_w},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, key.align_x},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, mr ? key.align_r : key.align_o},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, key.align_o}};
    for (const auto& [attribute, bytes] : alignments)
      check(cublasLtMatmulPreferenceSetAttribute(p.preference, attribute, &bytes, sizeof(bytes)), "alignment");
    constexpr int kCandidates = 8;
    cublasLtMatmulHeuristicResult_t candidates[kCandidates] = {};
    int found = 0;
    if (cublasLtMatmulAlgoGetHeuristic(handle, p.op, p.a, p.b, p.c, p.d, p.preference, kCandidates, candidates,
                                       &found) != CUBLAS_STATUS_SUCCESS ||
        found == 0)
      return {};  // no algorithm for this shape: the reference math runs
    chosen = candidates[0].algo;
    if (found > 1 && !environment_says_off("DRIFFUSION_GEMM_AUTOTUNE") && !capturing(stream)) {
      // Time each candidate (one warm-up, then 3 runs) and keep the fastest.
      at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
      float best = std::numeric_limits<float>::infinity();
      for (int i = 0; i < found; ++i) {
        if (run(candidates[i].algo) != CUBLAS_STATUS_SUCCESS) continue;
        start.record(stream);
        for (int r = 0; r < 3; ++r) run(candidates[i].algo);
        stop.record(stream);
        stop.synchronize();
        const float ms = start.elapsed_time(stop);
        if (ms < best) best = ms, chosen = candidates[i].algo;
      }
    }
    if (!capturing(stream)) {  // a capture's choice is untimed: the next eager call tunes
      std::lock_guard<std::mutex> lock(tuned_mutex());
      tuned().emplace(key, *chosen);
    }
  }
  check(run(*chosen), "matmul");
  return result;
}

std::size_t cublaslt_tuned_shapes() {
  std::lock_guard<std::mutex> lock(tuned_mutex());
  return tuned().size();
}

}  // namespace drf::gpu
