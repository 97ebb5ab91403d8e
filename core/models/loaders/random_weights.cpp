#include "core/models/loaders/random_weights.h"
#include "core/util/string_util.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <utility>
#include <vector>

namespace drf {
namespace {

std::uint64_t name_seed(std::uint64_t seed, const std::string& name) {
  std::uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a over the name, mixed with the seed
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  return h;
}

}  // namespace

void init_random_weights(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  std::vector<std::pair<std::string, torch::Tensor>> params;
  for (auto& p : module.named_parameters(true)) params.emplace_back(p.key(), p.value());
  std::vector<torch::Tensor> values(params.size());
  // One generator per tensor, seeded by its name: the tensors can be filled in parallel and
  // the result still does not depend on the thread count or the order.
  at::parallel_for(0, static_cast<int64_t>(params.size()), 1, [&](int64_t begin, int64_t end) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    for (int64_t i = begin; i < end; ++i) {
      const auto& [name, t] = params[static_cast<std::size_t>(i)];
      torch::Tensor v;
      if (ends_with(name, "bias")) {
        v = torch::zeros(t.sizes(), f32);
      } else if (t.dim() == 1) {
        v = torch::ones(t.sizes(), f32);
      } else {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(name_seed(seed, name));
        const bool embedding = ends_with(name, "embedding.weight");
        const double scale = embedding ? 0.02 : 1.0 / std::sqrt(static_cast<double>(t.numel() / t.size(0)));
        v = torch::randn(t.sizes(), gen, f32).mul_(scale);
      }
      values[static_cast<std::size_t>(i)] = std::move(v);
    }
  });
  for (std::size_t i = 0; i < params.size(); ++i) {
    torch::Tensor& t = params[i].second;
    t.set_data(values[i].to(t.device(), t.scalar_type()));
    values[i] = torch::Tensor();
  }
}

}  // namespace drf
