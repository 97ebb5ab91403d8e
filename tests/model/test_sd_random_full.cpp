// random:sd15 / random:sd21 built in full on the CPU (about 4.3 / 5.2 GB of fp32 weights):
// construction is fast (empty parameters, then one vectorised random fill per tensor), the
// counts are the reference ones, and text encoding runs. Label "slow": it needs the memory.
#include <gtest/gtest.h>

#include <ctime>

#include "core/engine/pipeline.h"
#include "core/util/errors.h"

namespace drf {
namespace {

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

TEST(RandomFullSize, Sd15BuildsQuicklyAndEncodes) {
  PipelineRequest req;
  req.source = "random:sd15";
  const double t0 = cpu_seconds();  // CPU time, not wall time: immune to a busy machine
  auto p = load_pipeline(req);
  EXPECT_LT(cpu_seconds() - t0, 30.0);
  const auto s = p->summary();
  EXPECT_EQ(s.architecture, "sd15");
  EXPECT_EQ(s.native_width, 512);
  EXPECT_EQ(s.prediction_type, "epsilon");
  EXPECT_EQ(s.parameter_counts.at(0), (std::pair<std::string, long long>{"unet", 859520964}));
  EXPECT_EQ(p->state_shape(0, 0), (std::vector<int64_t>{1, 4, 64, 64}));
  std::vector<std::string> w;
  auto c = p->encode("a photo of an astronaut", "", 7.5, 0, w);
  EXPECT_EQ(c.cond.context.sizes(), (std::vector<int64_t>{1, 77, 768}));
  EXPECT_TRUE(torch::isfinite(c.cond.context).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(c.uncond.context).all().item<bool>());
}

TEST(RandomFullSize, Sd21IsVPredictionAt768) {
  PipelineRequest req;
  req.source = "random:sd21";
  auto p = load_pipeline(req);
  const auto s = p->summary();
  EXPECT_EQ(s.architecture, "sd21");
  EXPECT_EQ(s.native_width, 768);
  EXPECT_EQ(s.prediction_type, "v_prediction");
  EXPECT_EQ(s.parameter_counts.at(1), (std::pair<std::string, long long>{"text_encoder", 340387840}));
  // One UNet evaluation at a small size: finite output in a sane range.
  auto y = p->denoiser().forward(torch::randn({1, 4, 16, 16}), torch::tensor({500.0f}), torch::randn({1, 77, 1024}));
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  EXPECT_LT(y.abs().max().item<double>(), 1e3);
}

}  // namespace
}  // namespace drf
