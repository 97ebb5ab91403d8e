// Parity of our SD3 transformer with diffusers' SD3Transformer2DModel on tiny goldens
// (tests/model/data/sd3_tiny, to be made by tools/gpu/parity/make_reference_sd3.py on the GPU machine:
// diffusers' own random weights with perturbed norm/bias vectors, a non-square 4 x 3 patch
// input, expected outputs computed by diffusers in float64). Our modules load the weights by
// diffusers' names and run in float32 (and, with DRIFFUSION_PARITY_CUDA=1 on a GPU machine, in
// float32 and float16 on CUDA). DRIFFUSION_SD3_PARITY_EXTRA names another folder of cases (the
// full-size one), DRIFFUSION_SD3_POS_DIR diffusers' full-size position tables.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/io/safetensors_reader.h"
#include "core/models/loaders/config_json.h"
#include "core/models/sd3/sd3_transformer.h"
#include "tests/model/parity_runner.h"

namespace drf {
namespace {

namespace fs = std::filesystem;

// Our position table formula against the one diffusers stored with the case (float32 both,
// computed in float64): at most one float32 step of values in [-1, 1] apart.
double position_table_diff(const std::string& dir) {
  const auto config = parse_sd3_transformer_config(config_json::read_file(dir + "/config.json"), dir + "/config.json");
  SD3Transformer2DModel fresh(config, torch::TensorOptions().dtype(torch::kFloat32));
  fresh->patch_embed()->fill_position_table();
  const SafetensorsFile weights(dir + "/weights.safetensors");
  return (fresh->patch_embed()->pos_embed - weights.tensor("pos_embed.pos_embed", torch::kFloat32, torch::kCPU))
      .abs().max().item<double>();
}

// Each case through the parity runner (tests/model/parity_runner.cpp, its bounds: fp32
// max(1e-4, 10x the reference's own error), fp16 max(2e-2, 4x)) on the CPU in fp32 and, with
// DRIFFUSION_PARITY_CUDA=1 on a GPU machine, on CUDA in fp32 and fp16.
void check_cases(const std::vector<std::string>& cases) {
  std::vector<std::pair<torch::Device, torch::Dtype>> runs = {{torch::kCPU, torch::kFloat32}};
  const char* cuda = std::getenv("DRIFFUSION_PARITY_CUDA");
  if (cuda && std::string(cuda) == "1" && torch::cuda::is_available()) {
    runs.emplace_back(torch::kCUDA, torch::kFloat32);
    runs.emplace_back(torch::kCUDA, torch::kFloat16);
  }
  for (const auto& dir : cases) {
    const double table_diff = position_table_diff(dir);
    std::printf("%s position table max diff %.3g\n", fs::path(dir).filename().c_str(), table_diff);
    EXPECT_LE(table_diff, 1.2e-7) << dir;
    for (const auto& [device, dtype] : runs) {
      if (device.is_cpu() && fs::file_size(dir + "/weights.safetensors") > (1u << 30)) continue;  // full size: GPU only
      const auto results = parity::run_case(dir, device, dtype);
      ASSERT_EQ(results.size(), 1u) << dir;
      const auto& r = results.front();
      std::printf("%s %s %s rel %.3g (bound %.3g)\n", r.case_name.c_str(), r.device.c_str(), r.dtype.c_str(), r.rel,
                  r.bound);
      EXPECT_TRUE(r.pass) << dir << " " << device << " " << r.dtype << ": rel " << r.rel << " > bound " << r.bound;
    }
  }
}

TEST(Sd3ParityGolden, TinyTransformersMatchDiffusers) {
  const auto cases = parity::find_cases(DRIFFUSION_SD3_GOLDEN_DIR);
  // Made on the GPU machine (docs/sd3.md, "Parity"); none were made yet when this test was written.
  if (cases.empty())
    GTEST_SKIP() << "no goldens in " << DRIFFUSION_SD3_GOLDEN_DIR
                 << " yet: run tools/gpu/parity/make_reference_sd3.py and commit its tiny transformer cases";
  EXPECT_GE(cases.size(), 2u);
  check_cases(cases);
}

TEST(Sd3ParityGolden, ExtraCasesMatchDiffusers) {
  const char* extra = std::getenv("DRIFFUSION_SD3_PARITY_EXTRA");
  if (!extra) GTEST_SKIP() << "DRIFFUSION_SD3_PARITY_EXTRA not set (full-size cases are made on the GPU machine)";
  const auto cases = parity::find_cases(extra);
  ASSERT_FALSE(cases.empty()) << extra;
  check_cases(cases);
}

TEST(Sd3ParityGolden, FullSizePositionTablesMatchDiffusers) {
  const char* dir = std::getenv("DRIFFUSION_SD3_POS_DIR");
  if (!dir) GTEST_SKIP() << "DRIFFUSION_SD3_POS_DIR not set (tables are made on the GPU machine)";
  int checked = 0;
  for (const auto& [name, c] : {std::pair{"sd3_medium", sd3_transformer_config_sd3_medium()},
                                std::pair{"sd35_medium", sd3_transformer_config_sd35_medium()},
                                std::pair{"sd35_large", sd3_transformer_config_sd35_large()}}) {
    const SafetensorsFile f(std::string(dir) + "/pos_" + name + ".safetensors");
    const auto ref = f.tensor("pos_embed", torch::kFloat32, torch::kCPU);
    const auto ours = sd3_sincos_position_table(c.inner_dim(), c.pos_embed_max_size, c.sample_size / c.patch_size)
                          .to(torch::kFloat32);
    const double diff = (ours - ref.reshape(ours.sizes())).abs().max().item<double>();
    std::printf("position table %s max diff %.3g\n", name, diff);
    EXPECT_LE(diff, 1.2e-7) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace drf
