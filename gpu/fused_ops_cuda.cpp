#include "gpu/fused_ops_cuda.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <optional>

#include "core/models/nn/fused_ops.h"
#include "gpu/cublaslt_linear.h"
#include "gpu/fused_kernels.h"

namespace drf::gpu {
namespace {

std::optional<kernels::DType> kernel_dtype(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return kernels::DType::f32;
    case torch::kFloat16: return kernels::DType::f16;
    case torch::kBFloat16: return kernels::DType::bf16;
    default: return std::nullopt;
  }
}

// The kernels read and write 8 elements at a time.
bool vector_aligned(const torch::Tensor& t) {
  return reinterpret_cast<std::uintptr_t>(t.data_ptr()) % (8 * t.element_size()) == 0;
}

// Weight, bias or shift as the kernels read them: x's device and dtype, dense, 8-aligned.
bool is_parameter_like(const torch::Tensor& p, const torch::Tensor& x, int64_t numel) {
  return p.defined() && p.device() == x.device() && p.scalar_type() == x.scalar_type() && p.is_contiguous() &&
         p.numel() == numel && vector_aligned(p);
}

void check(cudaError_t e, const char* what, const torch::Tensor& x) {
  TORCH_CHECK(e == cudaSuccess, what, " kernel failed on ", x.device().str(), ": ", cudaGetErrorString(e));
}

}  // namespace

torch::Tensor cuda_group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                              const torch::Tensor& bias, double eps, bool silu, const torch::Tensor& shift) {
  const auto dtype = kernel_dtype(x.scalar_type());
  if (!x.is_cuda() || !dtype || x.dim() != 4 || !x.is_contiguous(torch::MemoryFormat::ChannelsLast)) return {};
  const int64_t n = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
  if (groups <= 0 || c % groups != 0 || c % 8 != 0 || c > kernels::group_norm_max_channels() || n * hw == 0 ||
      !vector_aligned(x))
    return {};
  if (!is_parameter_like(weight, x, c) || !is_parameter_like(bias, x, c)) return {};
  if (shift.defined() && !(is_parameter_like(shift, x, n * c) && shift.dim() == 2)) return {};
  c10::cuda::CUDAGuard guard(x.device());
  const int sms = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  auto out = torch::empty(x.sizes(), x.options().memory_format(torch::MemoryFormat::ChannelsLast));
  auto workspace = torch::empty({kernels::group_norm_workspace_floats(n, hw, c, groups, sms)},
                                x.options().dtype(torch::kFloat32));
  kernels::GroupNormNhwc args{*dtype,
                              x.data_ptr(),
                              shift.defined() ? shift.data_ptr() : nullptr,
                              weight.data_ptr(),
                              bias.data_ptr(),
                              out.data_ptr(),
                              workspace.data_ptr<float>(),
                              n,
                              hw,
                              c,
                              groups,
                              static_cast<float>(eps),
                              silu};
  check(kernels::group_norm_nhwc(args, sms, at::cuda::getCurrentCUDAStream(x.device().index())), "GroupNorm", x);
  return out;
}

torch::Tensor cuda_geglu(const torch::Tensor& projected) {
  const auto dtype = kernel_dtype(projected.scalar_type());
  if (!projected.is_cuda() || !dtype || projected.dim() < 1 || !projected.is_contiguous()) return {};
  const int64_t width = projected.size(-1), half = width / 2;
  if (width % 2 != 0 || half % 8 != 0 || projected.numel() == 0 || !vector_aligned(projected)) return {};
  c10::cuda::CUDAGuard guard(projected.device());
  auto sizes = projected.sizes().vec();
  sizes.back() = half;
  auto out = torch::empty(sizes, projected.options());
  const int64_t rows = projected.numel() / width;
  check(kernels::geglu(*dtype, projected.data_ptr(), out.data_ptr(), rows, half,
                       at::cuda::getCurrentCUDAStream(projected.device().index())),
        "GEGLU", projected);
  return out;
}

torch::Tensor cuda_layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              double eps) {
  const auto dtype = kernel_dtype(x.scalar_type());
  if (!x.is_cuda() || !dtype || x.dim() < 1 || !x.is_contiguous() || x.numel() == 0 || !vector_aligned(x)) return {};
  const int64_t c = x.size(-1);
  if (c % 8 != 0 || c > kernels::layer_norm_max_channels()) return {};
  if (!is_parameter_like(weight, x, c) || !is_parameter_like(bias, x, c)) return {};
  c10::cuda::CUDAGuard guard(x.device());
  const int sms = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  auto out = torch::empty(x.sizes(), x.options());
  kernels::LayerNormRows args{*dtype, x.data_ptr(), weight.data_ptr(), bias.data_ptr(), out.data_ptr(),
                              x.numel() / c, c, static_cast<float>(eps)};
  check(kernels::layer_norm(args, sms, at::cuda::getCurrentCUDAStream(x.device().index())), "LayerNorm", x);
  return out;
}

torch::Tensor cuda_layer_norm_modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                                       double eps) {
  const auto dtype = kernel_dtype(x.scalar_type());
  if (!x.is_cuda() || !dtype || x.dim() != 3 || !x.is_contiguous() || x.numel() == 0 || !vector_aligned(x)) return {};
  const int64_t batches = x.size(0), c = x.size(2);
  if (c % 8 != 0 || c > kernels::layer_norm_max_channels()) return {};
  // shift and scale: [B, C] rows of unit stride the same distance apart (chunks of one
  // modulation vector), x's device and dtype, 8-aligned.
  const auto modulation_ok = [&](const torch::Tensor& m) {
    return m.defined() && m.device() == x.device() && m.scalar_type() == x.scalar_type() && m.dim() == 2 &&
           m.size(0) == batches && m.size(1) == c && m.stride(1) == 1 && (batches == 1 || m.stride(0) % 8 == 0) &&
           vector_aligned(m);
  };
  if (!modulation_ok(shift) || !modulation_ok(scale)) return {};
  const int64_t stride = batches == 1 ? 0 : shift.stride(0);
  if (batches > 1 && scale.stride(0) != stride) return {};
  c10::cuda::CUDAGuard guard(x.device());
  const int sms = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  auto out = torch::empty(x.sizes(), x.options());
  kernels::LayerNormRows args{*dtype, x.data_ptr(), nullptr, nullptr, out.data_ptr(), x.numel() / c, c,
                              static_cast<float>(eps)};
  args.shift = shift.data_ptr();
  args.scale = scale.data_ptr();
  args.rows_per_batch = x.size(1);
  args.modulation_stride = stride;
  check(kernels::layer_norm(args, sms, at::cuda::getCurrentCUDAStream(x.device().index())), "LayerNorm modulate", x);
  return out;
}

void register_fused_kernels() {
  fused::register_kernels(
      {&cuda_group_norm, &cuda_geglu, &cuda_layer_norm, &cublaslt_linear, &cuda_layer_norm_modulate});
}

}  // namespace drf::gpu
