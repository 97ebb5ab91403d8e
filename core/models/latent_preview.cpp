#include "core/models/latent_preview.h"

namespace drf {

torch::Tensor latent_rgb_preview(const torch::Tensor& latents) {
  auto x = latents.detach().to(torch::kCPU, torch::kFloat32);
  torch::Tensor rgb;
  if (x.size(1) == 4) {
    static const float kFactors[4][3] = {
        {0.3512f, 0.2297f, 0.3227f},     // rows: latent channels; columns: R, G, B
        {0.3250f, 0.4974f, 0.2350f},
        {-0.2829f, 0.1762f, 0.2721f},
        {-0.2120f, -0.2616f, -0.7177f},
    };
    auto m = torch::from_blob(const_cast<float*>(&kFactors[0][0]), {4, 3}, torch::kFloat32);
    rgb = torch::einsum("kchw,cr->krhw", {x, m});
  } else {
    std::vector<int64_t> idx;
    for (int64_t c = 0; c < 3; ++c) idx.push_back(c % x.size(1));
    rgb = x.index_select(1, torch::tensor(idx, torch::kLong));
  }
  return ((rgb + 1) * 0.5).clamp(0, 1);
}

}  // namespace drf
