// What the network is conditioned on, as named tensors with the batch first: the
// cross-attention context of every family, and the inputs only some families read (SDXL's
// pooled text embedding and size/crop "time ids"; anything a later family adds goes to
// `extras`). Samplers, GuidedPredictor, the SPMD runner and the CUDA-graph denoiser carry it
// whole without knowing which fields a family uses.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace drf {

struct ConditioningTensors {
  torch::Tensor context;   // [B, S, D] cross-attention states (the analytic model: [B, K] weights)
  torch::Tensor pooled;    // [B, P] pooled, projected text embedding (diffusers "text_embeds")
  torch::Tensor time_ids;  // [B, N] micro-conditioning: original size, crop, target size / aesthetic score
  std::map<std::string, torch::Tensor> extras;

  ConditioningTensors() = default;
  // Implicit on purpose: SD 1.x/2.x and the built-in model are conditioned on a context alone.
  ConditioningTensors(torch::Tensor context_only) : context(std::move(context_only)) {}  // NOLINT

  bool defined() const { return context.defined(); }
  int64_t rows() const { return context.defined() ? context.size(0) : 0; }
  // Every defined tensor with its name, in a fixed order (context, pooled, time_ids, extras
  // by name): what a CUDA graph captures as static inputs.
  std::vector<std::pair<std::string, torch::Tensor>> named() const;
  // `f` applied to every defined tensor (undefined ones stay undefined).
  ConditioningTensors map(const std::function<torch::Tensor(const torch::Tensor&)>& f) const;
  ConditioningTensors to(const torch::Device& device) const;
  ConditioningTensors to(torch::Dtype dtype) const;  // floating-point tensors only
  // Each tensor's batch repeated k times ([1, ...] -> [k, ...]).
  ConditioningTensors repeat_rows(int64_t k) const;
  // Rows first..first+n of each tensor.
  ConditioningTensors narrow_rows(int64_t first, int64_t n) const;
  // Concatenation along the batch; every part must define the same fields.
  static ConditioningTensors cat(const std::vector<ConditioningTensors>& parts);
  // `combine` applied field by field to the parts' tensors of that field (cat is
  // combine = torch::cat); every part must define the same fields.
  static ConditioningTensors zip(const std::vector<ConditioningTensors>& parts,
                                 const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& combine);
};

struct Conditioning {
  ConditioningTensors cond;    // [1, ...]
  ConditioningTensors uncond;  // [1, ...]; undefined when guidance is off
  double guidance = 1.0;
  bool guided() const { return uncond.defined() && guidance != 1.0; }
  // Network batch rows one state takes: unconditional + conditional when guided.
  int rows_per_state() const { return guided() ? 2 : 1; }
  Conditioning to(const torch::Device& device) const;
};

}  // namespace drf
