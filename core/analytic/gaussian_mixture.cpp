#include "core/analytic/gaussian_mixture.h"

#include <ATen/CPUGeneratorImpl.h>
#include <cmath>

#include "core/util/errors.h"

namespace drf {

torch::Tensor GaussianMixture::weights_for_prompt(const std::string& prompt) const {
  std::string lower = prompt;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto w = torch::zeros_like(weights);
  bool any = false;
  for (int k = 0; k < components(); ++k) {
    if (lower.find(component_class[k]) != std::string::npos) {
      w[k] = weights[k];
      any = true;
    }
  }
  if (!any) return weights.clone();
  return w / w.sum();
}

torch::Tensor GaussianMixture::sample(int n, const torch::Tensor& w, std::uint64_t seed) const {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto idx = torch::multinomial(w.to(torch::kFloat64), n, /*replacement=*/true, gen);
  auto z = torch::randn({n, dims()}, gen, torch::TensorOptions().dtype(torch::kFloat64));
  return means.index_select(0, idx) + z * stds.index_select(0, idx).unsqueeze(1);
}

GaussianMixture make_demo_mixture() {
  // Colours in [-1, 1] RGB and two 4x4 patterns (a diagonal and a ring), so samples are
  // recognisable pictures when upscaled.
  const std::vector<std::pair<std::string, std::array<double, 3>>> colours = {
      {"red", {0.9, -0.6, -0.6}}, {"green", {-0.5, 0.8, -0.5}}, {"blue", {-0.6, -0.4, 0.9}}, {"gold", {0.9, 0.6, -0.7}}};
  const double diagonal[16] = {1, .3, -.3, -1, .3, 1, .3, -.3, -.3, .3, 1, .3, -1, -.3, .3, 1};
  const double ring[16] = {-1, 1, 1, -1, 1, -.5, -.5, 1, 1, -.5, -.5, 1, -1, 1, 1, -1};
  GaussianMixture m;
  const int K = static_cast<int>(colours.size()) * 2, D = 48;
  m.means = torch::zeros({K, D}, torch::kFloat64);
  m.stds = torch::zeros({K}, torch::kFloat64);
  m.weights = torch::zeros({K}, torch::kFloat64);
  int k = 0;
  for (const auto& [name, rgb] : colours) {
    m.classes.push_back(name);
    for (const double* pattern : {diagonal, ring}) {
      auto acc = m.means.accessor<double, 2>();
      for (int c = 0; c < 3; ++c)
        for (int p = 0; p < 16; ++p) acc[k][c * 16 + p] = std::clamp(0.75 * rgb[c] + 0.25 * pattern[p], -1.0, 1.0);
      m.stds[k] = pattern == diagonal ? 0.08 : 0.15;
      m.weights[k] = pattern == diagonal ? 0.6 : 0.4;
      m.component_class.push_back(name);
      ++k;
    }
  }
  m.weights /= m.weights.sum();
  return m;
}

GaussianMixtureDenoiser::GaussianMixtureDenoiser(GaussianMixture mixture, const NoiseSchedule& schedule,
                                                 PredictionType output)
    : mixture_(std::move(mixture)), output_(output) {
  for (double abar : schedule.alphas_cumprod()) log_sigmas_.push_back(std::log(std::sqrt((1.0 - abar) / abar)));
}

double GaussianMixtureDenoiser::alpha_bar_at(double t) const {
  const double max_t = static_cast<double>(log_sigmas_.size() - 1);
  t = std::clamp(t, 0.0, max_t);
  const auto lo = static_cast<std::size_t>(std::floor(t));
  const std::size_t hi = std::min(lo + 1, log_sigmas_.size() - 1);
  const double w = t - static_cast<double>(lo);
  const double sigma = std::exp((1.0 - w) * log_sigmas_[lo] + w * log_sigmas_[hi]);
  return 1.0 / (1.0 + sigma * sigma);
}

torch::Tensor GaussianMixtureDenoiser::forward(const torch::Tensor& x, const torch::Tensor& t,
                                               const ConditioningTensors& c) {
  const torch::Tensor& context = c.context;  // the mixture's component weights
  const int64_t B = x.size(0), D = mixture_.dims();
  if (x[0].numel() % D != 0)
    throw UsageError("analytic model: a state of " + std::to_string(x[0].numel()) + " values is not a multiple of " +
                     std::to_string(D));
  if (context.dim() != 2 || context.size(0) != B || context.size(1) != mixture_.components())
    throw Error(ErrorKind::Internal, "analytic model: context must be [B, K]");
  auto xd = x.to(torch::kCPU, torch::kFloat64).reshape({B, -1, D});  // [B, S, D]
  auto tc = t.to(torch::kCPU, torch::kFloat64);
  std::vector<double> abar_v(static_cast<std::size_t>(B));
  for (int64_t b = 0; b < B; ++b) abar_v[b] = alpha_bar_at(tc[b].item<double>());
  auto abar = torch::tensor(abar_v, torch::kFloat64).view({B, 1, 1, 1});              // [B,1,1,1]
  auto s2 = mixture_.stds.pow(2).view({1, 1, -1, 1});                                  // [1,1,K,1]
  auto var = abar * s2 + (1 - abar);                                                   // [B,1,K,1]
  auto diff = xd.unsqueeze(2) - abar.sqrt() * mixture_.means.view({1, 1, -1, D});      // [B,S,K,D]
  auto logp = -0.5 * diff.pow(2).sum(-1, true) / var - 0.5 * D * var.log();            // [B,S,K,1]
  auto logw = context.to(torch::kCPU, torch::kFloat64).clamp_min(1e-300).log().view({B, 1, -1, 1});
  auto resp = torch::softmax(logp + logw, 2);                                          // [B,S,K,1]
  auto score = -(resp * diff / var).sum(2);                                            // [B,S,D]
  auto abar_s = abar.view({B, 1, 1});
  auto eps = -(1 - abar_s).sqrt() * score;
  torch::Tensor out = eps;
  if (output_ != PredictionType::Epsilon) {
    auto x0 = (xd - (1 - abar_s).sqrt() * eps) / abar_s.sqrt();
    out = output_ == PredictionType::Sample ? x0 : abar_s.sqrt() * eps - (1 - abar_s).sqrt() * x0;
  }
  return out.reshape(x.sizes()).to(x.device(), torch::kFloat32);
}

}  // namespace drf
