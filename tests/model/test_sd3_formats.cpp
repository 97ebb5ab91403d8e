// SD3 diffusers folders: a random tiny model written in diffusers' layout (our safetensors
// writer, diffusers' and transformers' key names) loads back to identical tensors and outputs;
// the scheduler's shift is read; without text_encoder_3 the T5 rows are zeros and the user is
// told; a wrong tensor is named.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/io/remove_tree.h"
#include "core/io/safetensors_writer.h"
#include "core/models/sd3/sd3_diffusers_folder.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "model_test_util.h"

namespace drf {
namespace {
namespace fs = std::filesystem;

std::unique_ptr<Sd3Pipeline> random_tiny() {
  PipelineRequest req;
  req.source = "random:sd3-tiny";
  return make_random_sd3_pipeline("sd3-tiny", req);
}

// Without text_encoder_3 (T5): diffusers' StableDiffusion3Pipeline runs with zeros in its place.
void write_sd3_folder(const std::string& dir, Sd3Pipeline& p, const std::string& model_class, double shift) {
  const Sd3ModelConfig& c = p.config();
  Sd3Modules& m = p.modules();
  for (const char* sub : {"transformer", "text_encoder", "text_encoder_2", "vae", "scheduler"})
    fs::create_directories(dir + "/" + sub);
  test::write_text(dir + "/model_index.json",
                   model_class.empty() ? "{}" : R"({"_class_name": ")" + model_class + R"(", "_diffusers_version": "0.29.0"})");
  test::write_text(dir + "/transformer/config.json", sd3_transformer_config_to_json(c.transformer).dump(2));
  test::write_text(dir + "/text_encoder/config.json", clip_text_config_to_json(c.text_l).dump(2));
  test::write_text(dir + "/text_encoder_2/config.json", clip_text_config_to_json(c.text_g).dump(2));
  test::write_text(dir + "/vae/config.json", vae_config_to_json(c.vae).dump(2));
  test::write_text(dir + "/scheduler/scheduler_config.json",
                   R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": )" +
                       std::to_string(shift) + "}");
  write_safetensors(dir + "/transformer/diffusion_pytorch_model.safetensors", module_state(*m.transformer));
  for (auto [sub, enc] : {std::pair<const char*, ClipTextModel>{"text_encoder", m.text.clip_l},
                          {"text_encoder_2", m.text.clip_g}}) {
    auto state = module_state(*enc);
    state["text_model.embeddings.position_ids"] = torch::arange(77).unsqueeze(0);
    write_safetensors(dir + "/" + sub + "/model.safetensors", state);
  }
  write_safetensors(dir + "/vae/diffusion_pytorch_model.safetensors", module_state(*m.vae));
  test::write_tokenizer_folder(dir + "/tokenizer");
  test::write_tokenizer_folder(dir + "/tokenizer_2");
}

void expect_same_state(torch::nn::Module& a, torch::nn::Module& b) {
  auto sa = module_state(a), sb = module_state(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [k, v] : sa) EXPECT_TRUE(torch::equal(v, sb.at(k))) << k;
}

TEST(Sd3Formats, DiffusersFolderLoadsTheSameTensorsAndRunsWithoutT5) {
  auto original = random_tiny();
  for (const std::string cls : {"StableDiffusion3Pipeline", ""}) {  // without a class: transformer/ + text_encoder_2/
    test::TempDir dir("sd3_folder");
    write_sd3_folder(dir.path(), *original, cls, 2.5);
    ASSERT_TRUE(is_sd3_diffusers_folder(dir.path()));
    PipelineRequest req;
    req.source = dir.path();
    auto loaded = load_pipeline(req);
    auto* sd3 = dynamic_cast<Sd3Pipeline*>(loaded.get());
    ASSERT_NE(sd3, nullptr) << "dispatched to another family (class '" << cls << "')";
    EXPECT_EQ(sd3->config().architecture, "sd3-custom");
    EXPECT_FALSE(sd3->config().has_t5);
    EXPECT_EQ(sd3->schedule_config().shift, 2.5);
    expect_same_state(*original->modules().transformer, *sd3->modules().transformer);  // with pos_embed
    expect_same_state(*original->modules().text.clip_l, *sd3->modules().text.clip_l);
    expect_same_state(*original->modules().vae, *sd3->modules().vae);
    std::vector<std::string> warnings;
    Conditioning c = sd3->encode("a lighthouse", "", 5.0, 0, warnings);
    // diffusers' max_sequence_length (256) T5 rows whatever the model's size.
    ASSERT_EQ(c.cond.context.size(1), 77 + 256);
    // No T5: its rows are zeros, the CLIP rows are not; the user is told once.
    EXPECT_EQ(c.cond.context.narrow(1, 77, 256).abs().max().item<float>(), 0.0f);
    EXPECT_GT(c.cond.context.narrow(1, 0, 77).abs().max().item<float>(), 0.0f);
    EXPECT_EQ(std::count(warnings.begin(), warnings.end(), std::string(kSd3NoT5Warning)), 1);
    torch::NoGradGuard ng;
    auto x = torch::randn({1, 16, 8, 8});
    auto t = torch::tensor({700.0f});
    EXPECT_TRUE(torch::equal(original->denoiser().forward(x, t, c.cond), sd3->denoiser().forward(x, t, c.cond)));
  }
}

TEST(Sd3Formats, WrongFolderContentsAreNamed) {
  auto original = random_tiny();
  test::TempDir dir("sd3_bad");
  write_sd3_folder(dir.path(), *original, "StableDiffusion3Pipeline", 3.0);
  auto state = module_state(*original->modules().transformer);
  state["transformer_blocks.1.attn.to_q.weight"] = torch::zeros({16, 15});
  write_safetensors(dir.file("transformer/diffusion_pytorch_model.safetensors"), state);
  PipelineRequest req;
  req.source = dir.path();
  try {
    load_pipeline(req);
    FAIL() << "a misshapen tensor was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("transformer_blocks.1.attn.to_q.weight"), std::string::npos) << e.what();
  }
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusion3ControlNetPipeline"})");
  EXPECT_THROW(load_sd3_diffusers_folder(req, std::nullopt), InputError);
  remove_tree(dir.file("text_encoder_2"));
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusion3Pipeline"})");
  EXPECT_THROW(load_pipeline(req), InputError);
}

}  // namespace
}  // namespace drf
