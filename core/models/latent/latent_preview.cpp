#include "core/models/latent/latent_preview.h"

namespace drf {

LatentPreviewFactors LatentPreviewFactors::sd15() {
  return {{{{0.3512f, 0.2297f, 0.3227f},  // rows: latent channels; columns: R, G, B
            {0.3250f, 0.4974f, 0.2350f},
            {-0.2829f, 0.1762f, 0.2721f},
            {-0.2120f, -0.2616f, -0.7177f}}},
          {{0.0f, 0.0f, 0.0f}}};
}

// comfy/latent_formats.py, class SDXL (the SDXL VAE's latent space differs from SD 1.x's).
LatentPreviewFactors LatentPreviewFactors::sdxl() {
  return {{{{0.3651f, 0.4232f, 0.4341f},
            {-0.2533f, -0.0042f, 0.1068f},
            {0.1076f, 0.1111f, -0.0362f},
            {-0.3165f, -0.2492f, -0.2188f}}},
          {{0.1084f, -0.0175f, -0.0011f}}};
}

torch::Tensor latent_rgb_preview(const torch::Tensor& latents, const LatentPreviewFactors& factors) {
  auto x = latents.detach().to(torch::kCPU, torch::kFloat32);
  torch::Tensor rgb;
  if (x.size(1) == 4) {
    auto m = torch::from_blob(const_cast<float*>(&factors.rgb[0][0]), {4, 3}, torch::kFloat32);
    auto b = torch::from_blob(const_cast<float*>(factors.bias.data()), {1, 3, 1, 1}, torch::kFloat32);
    rgb = torch::einsum("kchw,cr->krhw", {x, m}) + b;
  } else {
    std::vector<int64_t> idx;
    for (int64_t c = 0; c < 3; ++c) idx.push_back(c % x.size(1));
    rgb = x.index_select(1, torch::tensor(idx, torch::kLong));
  }
  return ((rgb + 1) * 0.5).clamp(0, 1);
}

}  // namespace drf
