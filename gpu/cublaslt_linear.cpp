#include "gpu/cublaslt_linear.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <cublasLt.h>

#include "gpu/deterministic.h"
#include "gpu/gemm_algorithm_store.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

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
  if (t.dim() == 2 && t.stride(1) == 1 && t.stride(0) >= cols)
    return Matrix{t.data_ptr(), rows, cols, t.stride(0), size};
  return std::nullopt;
}

bool overlap(const Matrix& a, const Matrix& b) { return a.begin() < b.end() && b.begin() < a.end(); }

// The alignment cuBLASLt may assume for a matrix: its address and every row start (<= 256).
uint32_t alignment(const Matrix& m) {
  uint32_t a = 256;
  while (a > 1 && (m.begin() % a != 0 || (m.ld * m.element_size) % a != 0)) a /= 2;
  return a;
}

void check(cublasStatus_t s, const char* what, const torch::Device& device) {
  TORCH_CHECK(s == CUBLAS_STATUS_SUCCESS, "cuBLASLt ", what, " failed on ", device.str(), ": ",
              cublasLtGetStatusString(s));
}

bool environment_says_off(const char* name) {
  const char* v = std::getenv(name);
  return v && std::strcmp(v, "0") == 0;
}

// One matrix product's cuBLASLt descriptors. cuBLASLt is column-major: the row-major
// out[M, N] = x[M, K] @ weight[N, K]^T (+ residual) is out^T (N x M) = weight^T (op T of the
// column-major K x N weight) * x^T (K x M) (+ residual^T), the bias added per row of out^T.
class Plan {
 public:
  Plan(cudaDataType_t type, const Matrix& x, const Matrix& w, const std::optional<Matrix>& residual,
       const Matrix& out, const void* bias, const torch::Device& device)
      : device_(device) {
    try {
      ok(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "descriptor");
      const cublasOperation_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
      set(CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof(transpose));
      set(CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof(keep));
      if (bias) {
        const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
        set(CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
        set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
      }
      ok(cublasLtMatrixLayoutCreate(&a, type, w.cols, w.rows, w.ld), "layout A");
      ok(cublasLtMatrixLayoutCreate(&b, type, x.cols, x.rows, x.ld), "layout B");
      ok(cublasLtMatrixLayoutCreate(&c, type, out.cols, out.rows, residual ? residual->ld : out.ld), "layout C");
      ok(cublasLtMatrixLayoutCreate(&d, type, out.cols, out.rows, out.ld), "layout D");
    } catch (...) {
      release();  // a destructor does not run for a half-built object
      throw;
    }
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() { release(); }
  void ok(cublasStatus_t s, const char* what) const { check(s, what, device_); }

  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr, d = nullptr;

 private:
  void release() {
    for (auto* layout : {a, b, c, d})
      if (layout) cublasLtMatrixLayoutDestroy(layout);
    if (op) cublasLtMatmulDescDestroy(op);
  }
  void set(cublasLtMatmulDescAttributes_t attribute, const void* value, std::size_t bytes) {
    ok(cublasLtMatmulDescSetAttribute(op, attribute, value, bytes), "descriptor attribute");
  }
  torch::Device device_;
};

// cuBLASLt's best algorithms for a plan, best first, for operands of the given alignments.
std::vector<cublasLtMatmulAlgo_t> candidate_algorithms(cublasLtHandle_t handle, const Plan& p,
                                                       std::size_t workspace_bytes, uint32_t align_a,
                                                       uint32_t align_b, uint32_t align_c, uint32_t align_d) {
  cublasLtMatmulPreference_t preference = nullptr;
  p.ok(cublasLtMatmulPreferenceCreate(&preference), "preference");
  std::unique_ptr<std::remove_pointer_t<cublasLtMatmulPreference_t>, decltype(&cublasLtMatmulPreferenceDestroy)> owner(
      preference, &cublasLtMatmulPreferenceDestroy);
  const auto set = [&](cublasLtMatmulPreferenceAttributes_t attribute, const void* value, std::size_t bytes) {
    p.ok(cublasLtMatmulPreferenceSetAttribute(preference, attribute, value, bytes), "preference attribute");
  };
  set(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes, sizeof(workspace_bytes));
  set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &align_a, sizeof(align_a));
  set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &align_b, sizeof(align_b));
  set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &align_c, sizeof(align_c));
  set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &align_d, sizeof(align_d));
  constexpr int kCandidates = 8;
  cublasLtMatmulHeuristicResult_t results[kCandidates] = {};
  int found = 0;
  if (cublasLtMatmulAlgoGetHeuristic(handle, p.op, p.a, p.b, p.c, p.d, preference, kCandidates, results, &found) !=
      CUBLAS_STATUS_SUCCESS)
    return {};
  std::vector<cublasLtMatmulAlgo_t> algorithms;
  for (int i = 0; i < found; ++i)
    if (results[i].state == CUBLAS_STATUS_SUCCESS) algorithms.push_back(results[i].algo);
  return algorithms;
}

// The fastest of the candidates: each runs once to warm up, then 3 times between two events.
// cuBLASLt's first choice stays unless another is more than 3 % faster, so that timing noise
// does not flip between near-equal algorithms (and their last-bit differences) from run to run.
// None when no candidate runs.
template <typename Run>
std::optional<cublasLtMatmulAlgo_t> fastest(const std::vector<cublasLtMatmulAlgo_t>& candidates,
                                            const at::cuda::CUDAStream& stream, Run run) {
  at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
  std::optional<cublasLtMatmulAlgo_t> best_algorithm;
  float best = std::numeric_limits<float>::infinity(), first = best;
  for (const auto& algorithm : candidates) {
    if (run(algorithm) != CUBLAS_STATUS_SUCCESS) continue;
    start.record(stream);
    bool ran = true;
    for (int r = 0; r < 3; ++r) ran = run(algorithm) == CUBLAS_STATUS_SUCCESS && ran;
    stop.record(stream);
    stop.synchronize();
    if (!ran) continue;
    const float ms = start.elapsed_time(stop);
    if (&algorithm == &candidates.front()) first = ms;
    if (ms < best) best = ms, best_algorithm = algorithm;
  }
  if (best_algorithm && first < std::numeric_limits<float>::infinity() && best > 0.97f * first)
    return candidates.front();
  return best_algorithm;
}

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

// The shape part of the key under which gemm_algorithm_store.h remembers a timed choice.
std::string shape_text(const ShapeKey& k) {
  return "dtype " + std::to_string(k.dtype) + " m " + std::to_string(k.m) + " n " + std::to_string(k.n) + " k " +
         std::to_string(k.k) + " ld " + std::to_string(k.ldx) + "," + std::to_string(k.ldr) + "," +
         std::to_string(k.ldo) + (k.bias ? " bias" : "") + (k.residual ? " residual" : "") + " align " +
         std::to_string(k.align_x) + "," + std::to_string(k.align_w) + "," + std::to_string(k.align_r) + "," +
         std::to_string(k.align_o);
}

// A choice timed by an earlier run for this shape, while cuBLASLt still offers it.
std::optional<cublasLtMatmulAlgo_t> earlier_choice(const std::string& store_key,
                                                   const std::vector<cublasLtMatmulAlgo_t>& candidates) {
  const auto stored = stored_gemm_algorithm(store_key);
  if (!stored) return std::nullopt;
  for (const auto& c : candidates)
    if (std::memcmp(&c, &*stored, sizeof c) == 0) return c;
  return std::nullopt;
}

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
  if (n == 0 || k == 0) return {};
  const auto same = [&](const torch::Tensor& t) { return t.scalar_type() == dtype && t.device() == x.device(); };
  // The epilogue reads the bias in 16-byte vectors.
  if (bias.defined() && !(same(bias) && bias.dim() == 1 && bias.size(0) == n && bias.is_contiguous() &&
                          reinterpret_cast<std::uintptr_t>(bias.data_ptr()) % 16 == 0))
    return {};
  const auto mx = as_matrix(x, k);
  if (!mx) return {};
  const int64_t m = mx->rows;
  auto sizes = x.sizes().vec();
  sizes.back() = n;
  std::optional<Matrix> mr, mo;
  // The residual has the result's shape (the given output's, or x's rows by n), as the
  // reference's broadcast-free add needs.
  const auto result_sizes = out.defined() ? out.sizes() : torch::IntArrayRef(sizes);
  if (residual.defined()) {
    if (!same(residual) || residual.sizes() != result_sizes || !(mr = as_matrix(residual, n)) || mr->rows != m)
      return {};
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

  const torch::Device device = x.device();
  c10::cuda::CUDAGuard guard(device);
  const void* bias_data = bias.defined() ? bias.data_ptr() : nullptr;
  const Plan p(dtype == torch::kFloat16 ? CUDA_R_16F : CUDA_R_16BF, *mx, mw, mr, *mo, bias_data, device);
  const ShapeKey key{device.index(), static_cast<int>(dtype), m, n, k, mx->ld, mr ? mr->ld : 0, mo->ld,
                     bias.defined(), mr.has_value(), alignment(*mx), alignment(mw), mr ? alignment(*mr) : 0,
                     alignment(*mo)};
  auto handle = at::cuda::getCurrentCUDABlasLtHandle();
  auto stream = at::cuda::getCurrentCUDAStream(device.index());
  void* workspace = at::cuda::getCUDABlasLtWorkspace();
  const std::size_t workspace_bytes = at::cuda::getCUDABlasLtWorkspaceSize();
  const float alpha = 1.0f, beta = mr ? 1.0f : 0.0f;
  const auto run = [&](const cublasLtMatmulAlgo_t& algorithm) {
    return cublasLtMatmul(handle, p.op, &alpha, mw.data, p.a, mx->data, p.b, &beta, mr ? mr->data : mo->data, p.c,
                          result.data_ptr(), p.d, &algorithm, workspace, workspace_bytes, stream);
  };

  std::optional<cublasLtMatmulAlgo_t> chosen;
  {
    std::lock_guard<std::mutex> lock(tuned_mutex());
    auto it = tuned().find(key);
    if (it != tuned().end()) chosen = it->second;
  }
  if (!chosen) {
    const auto candidates = candidate_algorithms(handle, p, workspace_bytes, key.align_w, key.align_x,
                                                 mr ? key.align_r : key.align_o, key.align_o);
    if (candidates.empty()) return {};  // no algorithm for this shape: the reference math runs
    const bool tuning = candidates.size() > 1 && !environment_says_off("DRIFFUSION_GEMM_AUTOTUNE") &&
                        !::drf::gpu::deterministic_algorithms();
    const std::string store_key =
        tuning ? gemm_algorithm_key(at::cuda::getDeviceProperties(device.index())->name, shape_text(key)) : "";
    const auto earlier = tuning ? earlier_choice(store_key, candidates) : std::nullopt;
    const bool timed = tuning && !earlier && !capturing(stream);
    chosen = earlier ? earlier : timed ? fastest(candidates, stream, run) : candidates.front();
    if (!chosen) return {};  // no candidate ran: the reference math runs
    if (timed) store_gemm_algorithm(store_key, *chosen);
    if (earlier || !capturing(stream)) {  // a capture's own choice is untimed: the next eager call tunes
      std::lock_guard<std::mutex> lock(tuned_mutex());
      tuned().emplace(key, *chosen);
    }
  }
  p.ok(run(*chosen), "matmul");
  return result;
}

std::size_t cublaslt_tuned_shapes() {
  std::lock_guard<std::mutex> lock(tuned_mutex());
  return tuned().size();
}

}  // namespace drf::gpu
