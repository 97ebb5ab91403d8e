// UniPC (Zhao et al. 2023), diffusers' UniPCMultistepScheduler with solver_order 2, bh2,
// predict_x0, lower_order_final: a second-order predictor (first order at the first and the
// last step) and, optionally, the corrector UniC that refines x_i with the estimate at x_i
// before the predictor leaves it. The corrector reads x_{i-1} and the earlier estimates from
// the history, so it costs no network call.
#pragma once
#include "core/sampling/sampler.h"

namespace drf {

class UniPCSampler : public Sampler {
 public:
  UniPCSampler(NoiseLevels levels, bool corrector) : Sampler(std::move(levels)), corrector_(corrector) {}
  std::string name() const override { return corrector_ ? "UniPC" : "UniPC (no corrector)"; }
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& denoised, int i, SolverHistory& history) override;

 private:
  torch::Tensor correct(const torch::Tensor& x, const torch::Tensor& denoised, int i, const SolverHistory& history) const;
  bool corrector_;
};

}  // namespace drf
