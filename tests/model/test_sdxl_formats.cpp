// SDXL diffusers folders: a folder written from random:sdxl-tiny's modules with our
// safetensors writer loads back to identical tensors and an identical conditioning and
// network output; fp16 variant files are found; refiner folders (no text_encoder/) and
// unsupported SDXL pipeline classes are told apart.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/io/remove_tree.h"
#include "core/io/safetensors_writer.h"
#include "core/io/safetensors_reader.h"
#include "core/models/sdxl/sdxl_diffusers_folder.h"
#include "core/models/sdxl/sdxl_single_file.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "model_test_util.h"

namespace drf {
namespace {
namespace fs = std::filesystem;

std::unique_ptr<SdxlPipeline> random_tiny() {
  PipelineRequest req;
  req.source = "random:sdxl-tiny";
  return make_random_sdxl_pipeline("sdxl-tiny", req);
}

// The diffusers layout; `half_names` writes every weights file under its ".fp16" variant name.
void write_sdxl_folder(const std::string& dir, SdxlPipeline& p, bool half_names) {
  const SdxlModelConfig& c = p.config();
  SdxlModules& m = p.modules();
  const std::string suffix = half_names ? ".fp16.safetensors" : ".safetensors";
  for (const char* sub : {"unet", "text_encoder", "text_encoder_2", "vae", "scheduler"})
    fs::create_directories(dir + "/" + sub);
  test::write_text(dir + "/model_index.json",
                   R"({"_class_name": "StableDiffusionXLPipeline", "_diffusers_version": "0.19.0",
                       "force_zeros_for_empty_prompt": true})");
  test::write_text(dir + "/unet/config.json", unet_config_to_json(c.unet).dump(2));
  test::write_text(dir + "/text_encoder/config.json", clip_text_config_to_json(c.text_l).dump(2));
  test::write_text(dir + "/text_encoder_2/config.json", clip_text_config_to_json(c.text_g).dump(2));
  test::write_text(dir + "/vae/config.json", vae_config_to_json(c.vae).dump(2));
  test::write_text(dir + "/scheduler/scheduler_config.json",
                   R"({"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "beta_end": 0.012,
                       "beta_schedule": "scaled_linear", "num_train_timesteps": 1000, "prediction_type": "epsilon",
                       "steps_offset": 1, "timestep_spacing": "leading"})");
  write_safetensors(dir + "/unet/diffusion_pytorch_model" + suffix, module_state(*m.unet));
  for (auto [sub, enc] : {std::pair<const char*, ClipTextModel>{"text_encoder", m.text_l}, {"text_encoder_2", m.text_g}}) {
    auto state = module_state(*enc);
    state["text_model.embeddings.position_ids"] = torch::arange(77).unsqueeze(0);  // transformers files carry it
    write_safetensors(dir + "/" + sub + "/model" + suffix, state);
  }
  write_safetensors(dir + "/vae/diffusion_pytorch_model" + suffix, module_state(*m.vae));
  test::write_tokenizer_folder(dir + "/tokenizer");
  test::write_tokenizer_folder(dir + "/tokenizer_2");
}

void expect_same_parameters(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(true), pb = b.named_parameters(true);
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& kv : pa) EXPECT_TRUE(torch::equal(kv.value(), pb[kv.key()])) << kv.key();
}

TEST(SdxlFormats, DiffusersFolderLoadsTheSameTensors) {
  auto original = random_tiny();
  for (bool half_names : {false, true}) {
    test::TempDir dir("sdxl_folder");
    write_sdxl_folder(dir.path(), *original, half_names);
    ASSERT_TRUE(is_sdxl_diffusers_folder(dir.path()));
    PipelineRequest req;
    req.source = dir.path();
    auto loaded = load_pipeline(req);
    auto* sdxl = dynamic_cast<SdxlPipeline*>(loaded.get());
    ASSERT_NE(sdxl, nullptr);
    EXPECT_EQ(sdxl->config().architecture, "sdxl");
    expect_same_parameters(*original->modules().unet, *sdxl->modules().unet);
    expect_same_parameters(*original->modules().text_l, *sdxl->modules().text_l);
    expect_same_parameters(*original->modules().text_g, *sdxl->modules().text_g);
    expect_same_parameters(*original->modules().vae, *sdxl->modules().vae);
    // The same network output for the same inputs: nothing but the weights differs.
    torch::NoGradGuard ng;
    ConditioningTensors c;
    c.context = torch::randn({1, 77, 24});
    c.pooled = torch::randn({1, 8});
    c.time_ids = torch::tensor({{64.0f, 64.0f, 0.0f, 0.0f, 64.0f, 64.0f}});
    auto x = torch::randn({1, 4, 8, 8});
    auto t = torch::tensor({500.0f});
    EXPECT_TRUE(torch::equal(original->denoiser().forward(x, t, c), sdxl->denoiser().forward(x, t, c)));
    EXPECT_FALSE(sdxl->model_hash().empty());
  }
}

// The issue's check of the two layouts: one random model written as a diffusers folder and as
// a single file (sgm names, OpenCLIP's fused in_proj and transposed text_projection) loads to
// identical tensors either way.
TEST(SdxlFormats, SingleFileAndFolderGiveIdenticalTensors) {
  auto original = random_tiny();
  test::TempDir dir("sdxl_single");
  write_sdxl_folder(dir.file("folder"), *original, false);
  auto state = sdxl_single_file_state(original->config(), original->modules());
  ASSERT_TRUE(state.count("model.diffusion_model.label_emb.0.0.weight"));
  ASSERT_TRUE(state.count("conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_weight"));
  ASSERT_TRUE(state.count("conditioner.embedders.1.model.text_projection"));
  ASSERT_TRUE(state.count("conditioner.embedders.0.transformer.text_model.final_layer_norm.weight"));
  state["conditioner.embedders.1.model.logit_scale"] = torch::full({1}, 4.6f);  // present in real files, unused
  write_safetensors(dir.file("model.safetensors"), state);
  auto file = std::make_shared<const SafetensorsWeightSource>(
      std::make_shared<const SafetensorsFile>(dir.file("model.safetensors")));
  ASSERT_NE(sdxl_single_file_family(*file), nullptr);
  EXPECT_EQ(sdxl_single_file_family(*file)->id, "sdxl");
  SdxlModules single = load_sdxl_single_file_modules(original->config(), file, torch::TensorOptions());
  PipelineRequest req;
  req.source = dir.file("folder");
  auto folder = load_sdxl_diffusers_folder(req);
  expect_same_parameters(*single.unet, *folder->modules().unet);
  expect_same_parameters(*single.text_l, *folder->modules().text_l);
  expect_same_parameters(*single.text_g, *folder->modules().text_g);
  expect_same_parameters(*single.vae, *folder->modules().vae);
  // A tensor the architecture does not have is named, not ignored.
  state["conditioner.embedders.1.model.transformer.resblocks.99.ln_1.weight"] = torch::ones({8});
  write_safetensors(dir.file("extra.safetensors"), state);
  auto extra = std::make_shared<const SafetensorsWeightSource>(
      std::make_shared<const SafetensorsFile>(dir.file("extra.safetensors")));
  try {
    load_sdxl_single_file_modules(original->config(), extra, torch::TensorOptions());
    FAIL() << "an unexpected tensor was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("resblocks.99"), std::string::npos) << e.what();
  }
  // Without a tokenizer folder the loader says what to pass.
  req.source = dir.file("model.safetensors");
  try {
    load_pipeline(req);
    FAIL() << "a single file without a tokenizer was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--tokenizer"), std::string::npos) << e.what();
  }
}

TEST(SdxlFormats, RefinerFoldersAndUnsupportedClassesAreToldApart) {
  auto original = random_tiny();
  test::TempDir dir("sdxl_folder");
  write_sdxl_folder(dir.path(), *original, false);
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusionXLInpaintPipeline"})");
  PipelineRequest req;
  req.source = dir.path();
  try {
    load_pipeline(req);
    FAIL() << "an inpainting pipeline was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("StableDiffusionXLInpaintPipeline"), std::string::npos) << e.what();
  }
  // Without text_encoder/ the folder is a refiner (bigG alone): the base UNet's 24-wide
  // context no longer matches, and the error says so instead of failing later.
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusionXLImg2ImgPipeline"})");
  remove_tree(dir.file("text_encoder"));
  try {
    load_pipeline(req);
    FAIL() << "a refiner folder with a base UNet was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cross_attention_dim"), std::string::npos) << e.what();
  }
  // An SD 1.x folder is not mistaken for SDXL.
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusionPipeline"})");
  EXPECT_FALSE(is_sdxl_diffusers_folder(dir.path()));
}

}  // namespace
}  // namespace drf
