#include "core/models/nn/fused_ops.h"

#include <atomic>
#include <stdexcept>

#include "core/util/environment_switch.h"

namespace drf::fused {
namespace {

struct Registry {
  Kernels kernels;
  std::atomic<bool> enabled{!environment_says_off("DRIFFUSION_FUSED_KERNELS")};
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_kernels(Kernels kernels) { registry().kernels = std::move(kernels); }

void set_kernels_enabled(bool enabled) { registry().enabled = enabled; }

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

torch::Tensor layer_norm_modulate_reference(const torch::Tensor& x, const torch::Tensor& shift,
                                            const torch::Tensor& scale, double eps) {
  auto normed = torch::layer_norm(x, {x.size(-1)}, {}, {}, eps);
  return torch::addcmul(shift.unsqueeze(1), normed, 1 + scale.unsqueeze(1));
}

torch::Tensor linear_reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                               const torch::Tensor& residual, const torch::Tensor& out, Activation activation) {
  if (activation != Activation::none && residual.defined())
    throw std::invalid_argument("fused::linear: an activation and a residual do not go together");
  auto y = torch::linear(x, weight, bias);
  if (activation == Activation::gelu_tanh) y = torch::gelu(y, "tanh");
  if (residual.defined()) {
    if (!out.defined()) return residual + y;
    torch::Tensor target = out;  // the same storage
    return torch::add_out(target, residual, y.view(out.sizes()));
  }
  return out.defined() ? out.copy_(y.view(out.sizes())) : y;
}

torch::Tensor group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight, const torch::Tensor& bias,
                         double eps, bool silu, const torch::Tensor& shift) {
  auto& r = registry();
  if (r.kernels.group_norm && r.enabled) {
    auto y = r.kernels.group_norm(x, groups, weight, bias, eps, silu, shift);
    if (y.defined()) return y;
  }
  return group_norm_reference(x, groups, weight, bias, eps, silu, shift);
}

torch::Tensor geglu(const torch::Tensor& projected) {
  auto& r = registry();
  if (r.kernels.geglu && r.enabled) {
    auto y = r.kernels.geglu(projected);
    if (y.defined()) return y;
  }
  return geglu_reference(projected);
}

torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  auto& r = registry();
  if (r.kernels.layer_norm && r.enabled) {
    auto y = r.kernels.layer_norm(x, weight, bias, eps);
    if (y.defined()) return y;
  }
  return layer_norm_reference(x, weight, bias, eps);
}

torch::Tensor layer_norm_modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                                  double eps) {
  auto& r = registry();
  if (r.kernels.layer_norm_modulate && r.enabled) {
    auto y = r.kernels.layer_norm_modulate(x, shift, scale, eps);
    if (y.defined()) return y;
  }
  return layer_norm_modulate_reference(x, shift, scale, eps);
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     const torch::Tensor& residual, const torch::Tensor& out, Activation activation) {
  auto& r = registry();
  if (r.kernels.linear && r.enabled) {
    auto y = r.kernels.linear(x, weight, bias, residual, out, activation);
    if (y.defined()) return y;
  }
  return linear_reference(x, weight, bias, residual, out, activation);
}

}  // namespace drf::fused
