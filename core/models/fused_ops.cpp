#include "core/models/fused_ops.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace drf::fused {
namespace {

bool enabled_by_environment() {
  const char* v = std::getenv("DRIFFUSION_FUSED_KERNELS");
  return !(v && std::strcmp(v, "0") == 0);
}

struct Registry {
  GroupNormKernel group_norm;
  GegluKernel geglu;
  LayerNormKernel layer_norm;
  std::atomic<bool> enabled{enabled_by_environment()};
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_kernels(GroupNormKernel group_norm, GegluKernel geglu, LayerNormKernel layer_norm) {
  registry().group_norm = std::move(group_norm);
  registry().geglu = std::move(geglu);
  registry().layer_norm = std::move(layer_norm);
}

void set_kernels_enabled(bool enabled) { registry().enabled = enabled; }
bool kernels_enabled() { return registry().enabled; }

torch::Tensor group_norm_reference(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                                   const torch::Tensor& bias, double eps, bool silu, const torch::Tensor& shift) {
  const auto input = shift.defined() ? x + shift.unsqueeze(-1).unsqueeze(-1) : x;
  auto y = torch::group_norm(input, groups, weight, bias, eps);
  return silu ? torch::silu(y) : y;
}

torch::Tensor geglu_reference(const torch::Tensor& projected) {
  auto parts = projected.chunk(2, -1);
  return parts[0] * torch::gelu(parts[1]);
}

torch::Tensor layer_norm_reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                   double eps) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

torch::Tensor group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight, const torch::Tensor& bias,
                         double eps, bool silu, const torch::Tensor& shift) {
  auto& r = registry();
  if (r.group_norm && r.enabled) {
    auto y = r.group_norm(x, groups, weight, bias, eps, silu, shift);
    if (y.defined()) return y;
  }
  return group_norm_reference(x, groups, weight, bias, eps, silu, shift);
}

torch::Tensor geglu(const torch::Tensor& projected) {
  auto& r = registry();
  if (r.geglu && r.enabled) {
    auto y = r.geglu(projected);
    if (y.defined()) return y;
  }
  return geglu_reference(projected);
}

torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  auto& r = registry();
  if (r.layer_norm && r.enabled) {
    auto y = r.layer_norm(x, weight, bias, eps);
    if (y.defined()) return y;
  }
  return layer_norm_reference(x, weight, bias, eps);
}

}  // namespace drf::fused
