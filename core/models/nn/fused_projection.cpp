#include "core/models/nn/fused_projection.h"

#include "core/models/nn/fused_ops.h"
#include "core/util/environment_switch.h"

namespace drf {
namespace {

// The tensors as one view along dim 0 when each starts where the previous ends in one storage
// (contiguous, same dtype); undefined otherwise. Different storages that happen to be adjacent
// in memory do not count: the view must stay inside the first tensor's storage.
torch::Tensor side_by_side(const std::vector<torch::Tensor>& parts) {
  const auto& first = parts.front();
  if (!first.defined() || !first.is_contiguous()) return {};
  int64_t rows = 0;
  const auto* expected = static_cast<const char*>(first.data_ptr());
  for (const auto& p : parts) {
    if (!p.defined() || !p.is_contiguous() || p.scalar_type() != first.scalar_type() ||
        p.device() != first.device() || p.dim() != first.dim() || p.sizes().slice(1) != first.sizes().slice(1) ||
        !p.storage().is_alias_of(first.storage()) || static_cast<const char*>(p.data_ptr()) != expected)
      return {};
    rows += p.size(0);
    expected += p.numel() * p.element_size();
  }
  auto sizes = first.sizes().vec();
  sizes[0] = rows;
  // Dense strides from the sizes (a contiguous part of one row may carry any stride on dim 0).
  std::vector<int64_t> strides(sizes.size(), 1);
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * sizes[d + 1];
  return first.as_strided(sizes, strides);
}

// A fused view reads the parts' memory through the first one: autograd would credit the first
// part with the whole gradient. Trainable parts under grad mode are never fused.
bool trainable(const std::vector<torch::Tensor>& parts) {
  if (!torch::GradMode::is_enabled()) return false;
  for (const auto& p : parts)
    if (p.defined() && p.requires_grad()) return true;
  return false;
}

std::vector<torch::Tensor> weights_of(const std::vector<layers::Linear>& group) {
  std::vector<torch::Tensor> w;
  for (const auto& l : group) w.push_back(l->weight);
  return w;
}

std::vector<torch::Tensor> biases_of(const std::vector<layers::Linear>& group) {
  std::vector<torch::Tensor> b;
  for (const auto& l : group) b.push_back(l->bias);
  return b;
}

bool all_defined(const std::vector<torch::Tensor>& parts) {
  for (const auto& p : parts)
    if (!p.defined()) return false;
  return true;
}

bool none_defined(const std::vector<torch::Tensor>& parts) {
  for (const auto& p : parts)
    if (p.defined()) return false;
  return true;
}

// Copies the parts into one tensor and points each part at its rows of it.
void fuse(const std::vector<torch::Tensor>& parts) {
  if (side_by_side(parts).defined()) return;
  auto fused = torch::cat(parts, 0);
  int64_t row = 0;
  for (auto p : parts) {  // a handle to the same TensorImpl: set_data re-points the parameter itself
    const int64_t n = p.size(0);
    p.set_data(fused.narrow(0, row, n));
    row += n;
  }
}

}  // namespace

bool fused_projections_wanted() {
  static const bool wanted = !environment_says_off("DRIFFUSION_FUSED_PROJECTIONS");
  return wanted;
}

void fuse_linear_weights(const std::vector<layers::Linear>& group) {
  if (group.size() < 2) return;
  torch::NoGradGuard no_grad;
  fuse(weights_of(group));
  const auto biases = biases_of(group);
  if (all_defined(biases)) fuse(biases);
}

FusedLinearView fused_linear_view(const std::vector<layers::Linear>& group) {
  if (group.empty() || trainable(weights_of(group)) || trainable(biases_of(group))) return {};
  const auto weight = side_by_side(weights_of(group));
  if (!weight.defined()) return {};
  const auto biases = biases_of(group);
  if (none_defined(biases)) return {weight, {}};
  const auto bias = all_defined(biases) ? side_by_side(biases) : torch::Tensor();
  if (!bias.defined()) return {};
  return {weight, bias};
}

void project_side_by_side(const std::vector<layers::Linear>& group, const torch::Tensor& x, const torch::Tensor& out) {
  const auto fused = fused_linear_view(group);
  if (fused.weight.defined()) {
    fused::linear(x, fused.weight, fused.bias, {}, out);
    return;
  }
  int64_t column = 0;
  for (const auto& layer : group) {
    const int64_t n = layer->weight.size(0);
    layer.ptr()->forward_into(x, out.narrow(-1, column, n));
    column += n;
  }
}

}  // namespace drf
