// Parity with the reference implementations on the committed tiny-config goldens
// (tests/model/data/parity_tiny, produced by tools/gpu/parity/run_parity.sh: diffusers
// UNet2DConditionModel / AutoencoderKL and transformers CLIPTextModel, float64 outputs), and
// the parity runner's own mechanics on cases written here.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/io/safetensors_writer.h"
#include "core/models/loaders/weight_loader.h"
#include "model_test_util.h"
#include "parity_runner.h"

namespace drf {
namespace {

TEST(ParityGolden, TinyConfigsMatchTheReferenceInFp32OnCpu) {
  const auto cases = parity::find_cases(DRIFFUSION_PARITY_GOLDEN_DIR);
  if (cases.empty())
    GTEST_SKIP() << "no goldens in " << DRIFFUSION_PARITY_GOLDEN_DIR
                 << " yet: run tools/gpu/parity/run_parity.sh and commit its tiny cases";
  int compared = 0;
  for (const auto& dir : cases)
    for (const auto& c : parity::run_case(dir, torch::kCPU, torch::kFloat32)) {
      EXPECT_TRUE(c.pass) << c.case_name << " " << c.output << ": rel " << c.rel << " > bound " << c.bound;
      ++compared;
    }
  EXPECT_GE(compared, 3);
}

// The denoiser path (what driffusion_parity runs on the GPU as generation does) hands the case's
// conditioning, SDXL's pooled embedding and time ids included, through UNetDenoiser and the
// accelerator hook. On the CPU neither changes the arithmetic, so it meets the same bound.
TEST(ParityGolden, UNetCasesMatchThroughTheDenoiserPath) {
  const auto cases = parity::find_cases(DRIFFUSION_PARITY_GOLDEN_DIR);
  if (cases.empty()) GTEST_SKIP() << "no goldens in " << DRIFFUSION_PARITY_GOLDEN_DIR;
  int unets = 0;
  for (const auto& dir : cases) {
    const auto module = parity::run_case(dir, torch::kCPU, torch::kFloat32);
    const auto denoiser = parity::run_case(dir, torch::kCPU, torch::kFloat32, /*denoiser_path=*/true);
    ASSERT_EQ(module.size(), denoiser.size()) << dir;
    for (std::size_t i = 0; i < module.size(); ++i) {
      EXPECT_TRUE(denoiser[i].pass) << denoiser[i].case_name << ": rel " << denoiser[i].rel;
      if (denoiser[i].path != "denoiser") continue;
      ++unets;
      EXPECT_EQ(denoiser[i].rel, module[i].rel) << denoiser[i].case_name << ": same arithmetic on the CPU";
    }
  }
  EXPECT_GE(unets, 2);  // unet_tiny, unet_sdxl_tiny (text_time), ...
}

// The runner reads every kind driffusion_parity is given on the GPU machine: transformers'
// T5EncoderModel ("t5") and diffusers' SD3Transformer2DModel ("sd3_transformer"), the latter also
// through Sd3Denoiser and the accelerator hook (on the CPU: the same arithmetic).
TEST(ParityGolden, T5AndSd3TransformerCasesRunThroughTheRunner) {
  int compared = 0;
  for (const std::string dir : {std::string(DRIFFUSION_T5_PARITY_DIR) + "/t5_tiny",
                                std::string(DRIFFUSION_SD3_GOLDEN_DIR) + "/transformer_sd3_tiny",
                                std::string(DRIFFUSION_SD3_GOLDEN_DIR) + "/transformer_sd3_tiny_x"}) {
    const auto module = parity::run_case(dir, torch::kCPU, torch::kFloat32);
    const auto denoiser = parity::run_case(dir, torch::kCPU, torch::kFloat32, /*denoiser_path=*/true);
    ASSERT_EQ(module.size(), 1u) << dir;
    ASSERT_EQ(denoiser.size(), 1u) << dir;
    EXPECT_TRUE(module[0].pass) << dir << ": rel " << module[0].rel << " > bound " << module[0].bound;
    EXPECT_EQ(denoiser[0].rel, module[0].rel) << dir << ": same arithmetic on the CPU";
    ++compared;
  }
  EXPECT_EQ(compared, 3);
}

// A case in the make_reference_*.py format whose "expected" outputs are our own modules run
// in float64: checks the runner's reading and comparison, not the architecture.
void write_case(const std::string& dir, const std::string& kind, const nlohmann::json& config, torch::nn::Module& module,
                const std::map<std::string, torch::Tensor>& io) {
  std::filesystem::create_directories(dir);
  test::write_text(dir + "/case.json", nlohmann::json{{"kind", kind}, {"reference", "self"}}.dump());
  test::write_text(dir + "/config.json", config.dump());
  write_safetensors(dir + "/weights.safetensors", module_state(module));
  write_safetensors(dir + "/io.safetensors", io);
}

TEST(ParityRunner, ComparesCaseFoldersAndCatchesAWrongWeight) {
  SdModelConfig c = sd_preset("tiny");
  SdModules m = test::tiny_random_modules(c);
  test::TempDir root("parity");
  torch::NoGradGuard ng;
  auto x = torch::randn({2, 4, 8, 8});
  auto t = torch::tensor({10.0f, 981.0f});
  auto ctx = torch::randn({2, 77, 16});
  auto ids = torch::randint(0, 998, {2, 77}, torch::kLong);
  auto z = torch::randn({1, 4, 4, 4});
  auto img = torch::rand({1, 3, 32, 32}) * 2 - 1;
  write_case(root.file("unet_self"), "unet", unet_config_to_json(c.unet), *m.unet, {{"sample", x}, {"timestep", t},
             {"encoder_hidden_states", ctx}, {"expected", [&] {
               m.unet->to(torch::kFloat64);
               auto y = m.unet->forward(x.to(torch::kFloat64), t, ctx.to(torch::kFloat64));
               m.unet->to(torch::kFloat32);
               return y;
             }()}});
  m.text_encoder->to(torch::kFloat64);
  auto h0 = m.text_encoder->forward(ids, 0), h1 = m.text_encoder->forward(ids, 1);
  m.text_encoder->to(torch::kFloat32);
  write_case(root.file("text_self"), "text", clip_text_config_to_json(c.text), *m.text_encoder,
             {{"input_ids", ids}, {"expected", h0}, {"expected_skip1", h1}});
  m.vae->to(torch::kFloat64);
  auto dec = m.vae->decode(z.to(torch::kFloat64)), enc = m.vae->encode_mean(img.to(torch::kFloat64));
  m.vae->to(torch::kFloat32);
  write_case(root.file("vae_self"), "vae", vae_config_to_json(c.vae), *m.vae,
             {{"latents", z}, {"image", img}, {"expected_decode", dec}, {"expected_encode_mean", enc}});

  const auto cases = parity::find_cases(root.path());
  ASSERT_EQ(cases.size(), 3u);
  std::vector<parity::Comparison> all;
  for (const auto& dir : cases)
    for (const auto& r : parity::run_case(dir, torch::kCPU, torch::kFloat32)) all.push_back(r);
  ASSERT_EQ(all.size(), 5u);  // unet; text + skip1; vae decode + encode
  for (const auto& r : all) {
    EXPECT_TRUE(r.pass) << r.case_name << " " << r.output << " rel " << r.rel;
    EXPECT_LT(r.rel, 1e-5) << r.case_name << " " << r.output;
  }
  EXPECT_EQ(parity::to_json(all).size(), 5u);

  // One wrong bias must fail the comparison.
  auto state = module_state(*m.unet);
  state["up_blocks.2.resnets.0.conv2.bias"] = state["up_blocks.2.resnets.0.conv2.bias"] + 0.5;
  write_safetensors(root.file("unet_self/weights.safetensors"), state);
  const auto bad = parity::run_case(root.file("unet_self"), torch::kCPU, torch::kFloat32);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_FALSE(bad[0].pass) << "rel " << bad[0].rel;
}

}  // namespace
}  // namespace drf
