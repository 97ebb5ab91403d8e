#include "gpu/cublaslt_linear.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <cublasLt.h>

#include "core/util/environment_switch.h"
#include "gpu/deterministic.h"
#include "gpu/gemm_algorithm_store.h"

#include <cstdio>
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

// `batches` row-major [rows, cols] views of a tensor's memory: unit column stride, rows `ld`
// apart, batches `batch_stride` apart (one batch: batch_stride 0).
struct Matrix {
  const void* data;
  int64_t batches, rows, cols, ld, batch_stride;
  std::size_t element_size;
  std::uintptr_t begin() const { return reinterpret_cast<std::uintptr_t>(data); }
  std::uintptr_t end() const {
    return begin() + ((batches - 1) * batch_stride + (rows - 1) * ld + cols) * element_size;
  }
  // The same memory as `count` batches of rows / count rows each (a single matrix only).
  std::optional<Matrix> split(int64_t count) const {
    if (batches != 1 || count < 1 || rows % count != 0) return std::nullopt;
    const int64_t r = rows / count;
    return Matrix{data, count, r, cols, ld, r * ld, element_size};
  }
};

// A tensor as matrices of `cols` columns: any contiguous tensor (one matrix of all rows), a 2-D
// tensor with evenly strided rows, or a 3-D tensor whose rows are evenly strided within each of
// its size(0) batches, e.g. [B, S, 3N][:, :, :N] or [B, S1 + S2, N][:, :S1] (one matrix when the
// batches follow each other at the row stride).
std::optional<Matrix> as_matrix(const torch::Tensor& t, int64_t cols) {
  if (t.dim() < 1 || t.size(-1) != cols || t.numel() == 0) return std::nullopt;
  const auto size = static_cast<std::size_t>(t.element_size());
  if (t.is_contiguous()) return Matrix{t.data_ptr(), 1, t.numel() / cols, cols, cols, 0, size};
  if (t.dim() == 2 && t.stride(1) == 1 && t.stride(0) >= cols)
    return Matrix{t.data_ptr(), 1, t.size(0), cols, t.stride(0), 0, size};
  if (t.dim() == 3 && t.stride(2) == 1 && (t.size(1) == 1 || t.stride(1) >= cols)) {
    const int64_t b = t.size(0), r = t.size(1), ld = r == 1 ? cols : t.stride(1), bs = t.stride(0);
    if (b == 1) return Matrix{t.data_ptr(), 1, r, cols, ld, 0, size};
    if (bs == r * ld) return Matrix{t.data_ptr(), 1, b * r, cols, ld, 0, size};
    if (bs >= (r - 1) * ld + cols) return Matrix{t.data_ptr(), b, r, cols, ld, bs, size};  // batches apart
  }
  return std::nullopt;
}

// The operands as the same number of batches of the same rows: a single matrix is split into
// the batches of a batched one. False when they do not agree.
bool agree_on_batches(std::vector<Matrix*> operands) {
  const Matrix* batched = nullptr;
  for (const Matrix* m : operands)
    if (m->batches > 1) batched = m;
  if (!batched) {
    for (const Matrix* m : operands)
      if (m->rows != operands.front()->rows) return false;
    return true;
  }
  for (Matrix* m : operands) {
    if (m->batches == 1) {
      auto split = m->split(batched->batches);
      if (!split) return false;
      *m = *split;
    }
    if (m->batches != batched->batches || m->rows != batched->rows) return false;
  }
  return true;
}

bool overlap(const Matrix& a, const Matrix& b) { return a.begin() < b.end() && b.begin() < a.end(); }

// The alignment cuBLASLt may assume for a matrix: its address and every row and batch start
// (<= 256).
uint32_t alignment(const Matrix& m) {
  uint32_t a = 256;
  while (a > 1 && (m.begin() % a != 0 || (m.ld * m.element_size) % a != 0 ||
                   (m.batch_stride * m.element_size) % a != 0))
    a /= 2;
  return a;
}

void check(cublasStatus_t s, const char* what, const torch::Device& device) {
  TORCH_CHECK(s == CUBLAS_STATUS_SUCCESS, "cuBLASLt ", what, " failed on ", device.str(), ": ",
              cublasLtGetStatusString(s));
}

// One matrix product's cuBLASLt descriptors. cuBLASLt is column-major: the row-major
// out[M, N] = x[M, K] @ weight[N, K]^T (+ residual) is out^T (N x M) = weight^T (op T of the
// column-major K x N weight) * x^T (K x M) (+ residual^T), the bias added per row of out^T.
class Plan {
 public:
  Plan(cudaDataType_t type, const Matrix& x, const Matrix& w, const std::optional<Matrix>& residual,
       const Matrix& out, const void* bias, fused::Activation activation, const torch::Device& device)
      : device_(device) {
    try {
      ok(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "descriptor");
      const cublasOperation_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
      set(CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof(transpose));
      set(CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof(keep));
      // GELU_BIAS / GELU: bias, then cuBLASLt's GELU (the tanh approximation, as torch's
      // gelu(approximate="tanh")) on the fp32 accumulator.
      const bool gelu = activation == fused::Activation::gelu_tanh;
      const cublasLtEpilogue_t epilogue = bias ? (gelu ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                                               : (gelu ? CUBLASLT_EPILOGUE_GELU : CUBLASLT_EPILOGUE_DEFAULT);
      if (epilogue != CUBLASLT_EPILOGUE_DEFAULT) set(CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
      if (bias) set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));  // batch stride 0: one bias for all
      const auto& c_matrix = residual ? *residual : out;
      a = layout(type, w.cols, w.rows, w.ld, x.batches, 0);  // one weight for every batch
      b = layout(type, x.cols, x.rows, x.ld, x.batches, x.batch_stride);
      c = layout(type, out.cols, out.rows, c_matrix.ld, x.batches, c_matrix.batch_stride);
      d = layout(type, out.cols, out.rows, out.ld, x.batches, out.batch_stride);
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
  // A column-major rows x cols layout (our row-major matrix transposed), strided batches when
  // batches > 1.
  cublasLtMatrixLayout_t layout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld, int64_t batches,
                                int64_t batch_stride) {
    cublasLtMatrixLayout_t l = nullptr;
    ok(cublasLtMatrixLayoutCreate(&l, type, rows, cols, ld), "layout");
    if (batches > 1) {
      const int32_t count = static_cast<int32_t>(batches);
      const auto attr = [&](cublasLtMatrixLayoutAttribute_t attribute, const void* v, std::size_t n) {
        const auto st = cublasLtMatrixLayoutSetAttribute(l, attribute, v, n);
        if (st != CUBLAS_STATUS_SUCCESS) cublasLtMatrixLayoutDestroy(l);
        ok(st, "batched layout");
      };
      attr(CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count));
      attr(CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &batch_stride, sizeof(batch_stride));
    }
    return l;
  }
  torch::Device device_;
};

// How many of cuBLASLt's heuristic candidates the tuning times: DRIFFUSION_GEMM_CANDIDATES
// (1-64), default 8. The heuristic ranks by a model of the tile, not by a run, and its first
// choices can quantise badly on the GPU's SM count for mid-sized products (A/B runs:
// docs/gpu.md).
int candidate_count() {
  static const int count = [] {
    const char* v = std::getenv("DRIFFUSION_GEMM_CANDIDATES");
    const int n = v != nullptr ? std::atoi(v) : 0;
    return n >= 1 && n <= 64 ? n : 8;
  }();
  return count;
}

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
  const int wanted = candidate_count();
  std::vector<cublasLtMatmulHeuristicResult_t> results(static_cast<std::size_t>(wanted));
  int found = 0;
  if (cublasLtMatmulAlgoGetHeuristic(handle, p.op, p.a, p.b, p.c, p.d, preference, wanted, results.data(), &found) !=
      CUBLAS_STATUS_SUCCESS)
    return {};
  std::vector<cublasLtMatmulAlgo_t> algorithms;
  for (int i = 0; i < found; ++i)
    if (results[i].state == CUBLAS_STATUS_SUCCESS) algorithms.push_back(results[i].algo);
  return algorithms;
}

struct Timing {
  float first_ms = 0, chosen_ms = 0;  // per product: cuBLASLt's first candidate, the one chosen
};

// The fastest of the candidates: each runs once to warm up, then 3 times between two events.
// cuBLASLt's first choice stays unless another is more than 3 % faster, so that timing noise
// does not flip between near-equal algorithms (and their last-bit differences) from run to run.
// None when no candidate runs. `timing` gets the first and the chosen candidate's time.
template <typename Run>
std::optional<cublasLtMatmulAlgo_t> fastest(const std::vector<cublasLtMatmulAlgo_t>& candidates,
                                            const at::cuda::CUDAStream& stream, Run run, Timing& timing) {
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
  const bool keep_first = best_algorithm && first < std::numeric_limits<float>::infinity() && best > 0.97f * first;
  timing.first_ms = first / 3, timing.chosen_ms = (keep_first ? first : best) / 3;
  return keep_first ? candidates.front() : best_algorithm;
}

// What identifies a product for the tuned-algorithm cache.
struct ShapeKey {
  int device, dtype;
  int64_t m, n, k, ldx, ldr, ldo;
  bool bias, residual;
  uint32_t align_x, align_w, align_r, align_o;
  int64_t batches, bsx, bsr, bso;  // batches and their strides (1, 0, 0, 0: one matrix)
  int activation;
  auto tie() const {
    return std::tie(device, dtype, m, n, k, ldx, ldr, ldo, bias, residual, align_x, align_w, align_r, align_o, batches,
                    bsx, bsr, bso, activation);
  }
  bool operator<(const ShapeKey& o) const { return tie() < o.tie(); }
};

// The shape part of the key under which gemm_algorithm_store.h remembers a timed choice.
std::string shape_text(const ShapeKey& k) {
  return "dtype " + std::to_string(k.dtype) + " m " + std::to_string(k.m) + " n " + std::to_string(k.n) + " k " +
         std::to_string(k.k) + " ld " + std::to_string(k.ldx) + "," + std::to_string(k.ldr) + "," +
         std::to_string(k.ldo) + (k.bias ? " bias" : "") + (k.residual ? " residual" : "") + " align " +
         std::to_string(k.align_x) + "," + std::to_string(k.align_w) + "," + std::to_string(k.align_r) + "," +
         std::to_string(k.align_o) +
         (k.batches > 1 ? " batches " + std::to_string(k.batches) + " strides " + std::to_string(k.bsx) + "," +
                              std::to_string(k.bsr) + "," + std::to_string(k.bso)
                        : "") +
         (k.activation != 0 ? " activation " + std::to_string(k.activation) : "");
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

// DRIFFUSION_GEMM_LOG=1: one line per timed shape on stderr, how fast cuBLASLt's first candidate
// and the chosen one run it (where a step's product time goes, shape by shape).
void log_tuning(const ShapeKey& k, std::size_t candidates, std::size_t workspace_bytes, const Timing& t) {
  static const bool on = environment_says_on("DRIFFUSION_GEMM_LOG");
  if (!on || t.chosen_ms <= 0) return;
  const double flops = 2.0 * static_cast<double>(k.m) * k.n * k.k * k.batches;
  std::fprintf(stderr, "gemm-tune %s | %zu candidates, workspace %zu KiB | first %.1f us, chosen %.1f us, %.0f TFLOP/s\n",
               shape_text(k).c_str(), candidates, workspace_bytes >> 10, 1e3 * t.first_ms, 1e3 * t.chosen_ms,
               flops / (1e9 * t.chosen_ms));
}

bool capturing(cudaStream_t stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  return cudaStreamIsCapturing(stream, &status) != cudaSuccess || status != cudaStreamCaptureStatusNone;
}

}  // namespace

torch::Tensor cublaslt_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              const torch::Tensor& residual, const torch::Tensor& out, fused::Activation activation) {
  static const bool enabled = !environment_says_off("DRIFFUSION_CUBLASLT");
  const auto dtype = x.scalar_type();
  if (!enabled || !x.is_cuda() || (dtype != torch::kFloat16 && dtype != torch::kBFloat16)) return {};
  // cuBLASLt would apply the activation to the sum with the residual, not before it.
  if (activation != fused::Activation::none && residual.defined()) return {};
  if (weight.dim() != 2 || !weight.is_contiguous() || weight.scalar_type() != dtype || weight.device() != x.device())
    return {};
  const int64_t n = weight.size(0), k = weight.size(1);
  if (n == 0 || k == 0) return {};
  const auto same = [&](const torch::Tensor& t) { return t.scalar_type() == dtype && t.device() == x.device(); };
  // The epilogue reads the bias in 16-byte vectors.
  if (bias.defined() && !(same(bias) && bias.dim() == 1 && bias.size(0) == n && bias.is_contiguous() &&
                          reinterpret_cast<std::uintptr_t>(bias.data_ptr()) % 16 == 0))
    return {};
  auto mx = as_matrix(x, k);
  if (!mx) return {};
  auto sizes = x.sizes().vec();
  sizes.back() = n;
  std::optional<Matrix> mr, mo;
  // The residual has the result's shape (the given output's, or x's rows by n), as the
  // reference's broadcast-free add needs.
  const auto result_sizes = out.defined() ? out.sizes() : torch::IntArrayRef(sizes);
  if (residual.defined() && (!same(residual) || residual.sizes() != result_sizes || !(mr = as_matrix(residual, n))))
    return {};
  torch::Tensor result = out;
  if (result.defined()) {
    if (!same(result) || !(mo = as_matrix(result, n))) return {};
  } else {
    result = torch::empty(sizes, x.options());
    mo = as_matrix(result, n);
  }
  std::vector<Matrix*> operands{&*mx, &*mo};
  if (mr) operands.push_back(&*mr);
  if (!agree_on_batches(operands)) return {};
  if (overlap(*mo, *mx) || (mr && overlap(*mo, *mr))) return {};  // tuning runs the product several times
  const auto mw = *as_matrix(weight, k);
  const int64_t m = mx->rows;

  const torch::Device device = x.device();
  c10::cuda::CUDAGuard guard(device);
  const void* bias_data = bias.defined() ? bias.data_ptr() : nullptr;
  const Plan p(dtype == torch::kFloat16 ? CUDA_R_16F : CUDA_R_16BF, *mx, mw, mr, *mo, bias_data, activation, device);
  const ShapeKey key{device.index(),
                     static_cast<int>(dtype),
                     m,
                     n,
                     k,
                     mx->ld,
                     mr ? mr->ld : 0,
                     mo->ld,
                     bias.defined(),
                     mr.has_value(),
                     alignment(*mx),
                     alignment(mw),
                     mr ? alignment(*mr) : 0,
                     alignment(*mo),
                     mx->batches,
                     mx->batch_stride,
                     mr ? mr->batch_stride : 0,
                     mo->batch_stride,
                     static_cast<int>(activation)};
  auto handle = at::cuda::getCurrentCUDABlasLtHandle();
  auto stream = at::cuda::getCurrentCUDAStream(device.index());
  void* workspace = at::cuda::getCUDABlasLtWorkspace();
  const std::size_t workspace_bytes = at::cuda::getCUDABlasLtWorkspaceSize();
  const float alpha = 1.0f, beta = mr ? 1.0f : 0.0f;
  const auto run = [&](const cublasLtMatmulAlgo_t& algorithm) {
    return cublasLtMatmul(handle, p.op, &alpha, mw.data, p.a, mx->data, p.b, &beta, mr ? mr->data : mo->data, p.c,
                          const_cast<void*>(mo->data), p.d, &algorithm, workspace, workspace_bytes, stream);
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
        tuning ? gemm_algorithm_key(at::cuda::getDeviceProperties(device.index())->name,
                                    // a choice timed among fewer candidates is timed again
                                    shape_text(key) + " of " + std::to_string(candidate_count()))
               : "";
    const auto earlier = tuning ? earlier_choice(store_key, candidates) : std::nullopt;
    const bool timed = tuning && !earlier && !capturing(stream);
    Timing timing;
    chosen = earlier ? earlier : timed ? fastest(candidates, stream, run, timing) : candidates.front();
    if (!chosen) return {};  // no candidate ran: the reference math runs
    if (timed) {
      store_gemm_algorithm(store_key, *chosen);
      log_tuning(key, candidates.size(), workspace_bytes, timing);
    }
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
