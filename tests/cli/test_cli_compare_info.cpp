// driffusion compare, info and models: files, JSON schemas, and the width-1 identity.
#include "core/io/safetensors_writer.h"
#include "core/util/build_info.h"
#include "tests/cli/cli_test_util.h"

using namespace drf;
using namespace drf::test;

TEST(CliCompare, WritesBothImagesAndTheDifferencePerSeed) {
  ScratchDir dir;
  const auto r = cli(concat({"compare", "--json", "--width", "3", "--seeds", "2", "--seed", "4", "--out",
                             dir.path().string()},
                            analytic_args("blue", 10)));
  EXPECT_EXIT_CODE(r, 0);
  const auto j = json_of(r);
  EXPECT_EQ(j.value("command", ""), "compare");
  EXPECT_EQ(j.value("mode", ""), "aggressive");  // the default DRiffusion side
  EXPECT_EQ(j.value("width", 0), 3);
  ASSERT_EQ(j["runs"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto& run = j["runs"][i];
    EXPECT_EQ(run["seed"], std::to_string(4 + i));
    EXPECT_EQ(run["sequential"]["settings"]["mode"], "sequential");
    EXPECT_EQ(run["parallel"]["settings"]["mode"], "aggressive");
    EXPECT_EQ(run["sequential"]["stats"]["serial_latencies"], 10);
    EXPECT_EQ(run["parallel"]["stats"]["serial_latencies"], 4);  // 1 + ceil((10 - 1) / 3): the last round drafts nothing
    EXPECT_GT(run["sampling_speedup"].get<double>(), 0);
    EXPECT_GT(run["end_to_end_speedup"].get<double>(), 0);
    const double ssim = run["ssim"];
    EXPECT_GT(ssim, 0);
    EXPECT_LE(ssim, 1);
    EXPECT_EQ(run["psnr"].is_null(), run["identical"].get<bool>());
    for (const char* key : {"diff_path"}) EXPECT_TRUE(std::filesystem::exists(run[key].get<std::string>()));
    EXPECT_TRUE(std::filesystem::exists(run["sequential"]["path"].get<std::string>()));
    EXPECT_TRUE(std::filesystem::exists(run["parallel"]["path"].get<std::string>()));
  }
  EXPECT_EQ(j["summary"]["runs"], 2);
  const std::string e = default_ext();
  EXPECT_EQ(names_in(dir.path()),
            (std::vector<std::string>{"00000-4-aggressive-w3" + e, "00000-4-diff" + e, "00000-4-sequential" + e,
                                      "00001-5-aggressive-w3" + e, "00001-5-diff" + e, "00001-5-sequential" + e}));
  // The DRiffusion image records the measured speedup.
  const auto md = read_image_metadata(j["runs"][0]["parallel"]["path"].get<std::string>());
  EXPECT_NE(md.parameters.find("Measured speedup: "), std::string::npos) << md.parameters;
  EXPECT_NE(read_image_metadata(j["runs"][0]["diff_path"].get<std::string>()).extra.size(), 0u);
}

TEST(CliCompare, WidthOneIsIdenticalToSequential) {
  ScratchDir dir;
  const auto r = cli(concat({"compare", "--json", "--mode", "conservative", "--width", "1", "--seeds", "3,9", "--out",
                             dir.path().string()},
                            analytic_args("red", 6)));
  EXPECT_EXIT_CODE(r, 0);
  const auto j = json_of(r);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["seed"], "3");
  EXPECT_EQ(j["runs"][1]["seed"], "9");
  for (const auto& run : j["runs"]) {
    EXPECT_TRUE(run["identical"].get<bool>());
    EXPECT_TRUE(run["psnr"].is_null());
    EXPECT_EQ(run["ssim"], 1.0);
  }
  EXPECT_EQ(j["summary"]["identical_runs"], 2);
  EXPECT_TRUE(j["summary"]["mean_psnr"].is_null());
}

TEST(CliCompare, PlainOutputNamesTheNumbers) {
  ScratchDir dir;
  const auto r = cli(concat({"compare", "--seeds", "2", "--out", dir.path().string()}, analytic_args("gold", 8)));
  EXPECT_EXIT_CODE(r, 0);
  for (const char* word : {"speedup", "PSNR", "SSIM", "mean over 2 seeds"}) EXPECT_NE(r.out.find(word), std::string::npos) << r.out;
}

TEST(CliInfo, BuildDevicesModelAndImage) {
  auto r = cli({"info", "--json"});
  EXPECT_EXIT_CODE(r, 0);
  auto j = json_of(r);
  EXPECT_EQ(j["build"]["version"], build::kVersion);
  EXPECT_EQ(j["build"]["openimageio"], build::kHaveOiio);
  ASSERT_TRUE(j["devices"].is_array());
  ASSERT_FALSE(j["devices"].empty());
  EXPECT_EQ(j["devices"].back()["index"], -1);  // the CPU is always listed, after any GPUs
  EXPECT_TRUE(j["image_formats"].is_array());

  r = cli({"info", "--model", "analytic", "--json"});
  EXPECT_EXIT_CODE(r, 0);
  j = json_of(r);
  EXPECT_EQ(j["model"]["architecture"], "analytic-gmm");
  EXPECT_EQ(j["model"]["native_width"], 128);
  EXPECT_TRUE(j["model"]["parameter_counts"].is_object());
  EXPECT_FALSE(j.contains("devices"));

  r = cli({"info", "--model", "analytic"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.out.find("architecture"), std::string::npos);

  ScratchDir dir;
  const auto gen = cli(concat({"generate", "--seed", "21", "--json", "--out", dir.path().string()}, analytic_args("red")));
  EXPECT_EXIT_CODE(gen, 0);
  const std::string path = json_of(gen)["images"][0]["path"];
  r = cli({"info", "--image", path, "--json"});
  EXPECT_EXIT_CODE(r, 0);
  j = json_of(r);
  EXPECT_EQ(j["image"]["settings"]["settings"]["seed"], "21");
  bool seed_field = false;
  for (const auto& f : j["image"]["infotext"]["fields"]) seed_field |= f["key"] == "Seed" && f["value"] == "21";
  EXPECT_TRUE(seed_field);
  r = cli({"info", "--image", path});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.out.find("parameters:\nred\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Seed: 21"), std::string::npos) << r.out;
}

// info --lora describes a LoRA file without a model: layout, layers per network, rank, alpha and
// the family its cross-attention width points to; a file that is no LoRA is an input error.
TEST(CliInfo, DescribesALoraFile) {
  ScratchDir dir;
  const std::string sd1 = (dir / "sd1.safetensors").string(), xl = (dir / "xl.safetensors").string();
  const std::string k = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k";
  const std::string q = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
  write_safetensors(sd1, {{k + ".lora_down.weight", torch::zeros({8, 768})}, {k + ".lora_up.weight", torch::zeros({640, 8})},
                          {k + ".alpha", torch::tensor(4.0f)},
                          {q + ".lora_down.weight", torch::zeros({4, 768})}, {q + ".lora_up.weight", torch::zeros({768, 4})}});
  auto r = cli({"info", "--lora", sd1, "--json"});
  EXPECT_EXIT_CODE(r, 0);
  auto j = json_of(r)["lora"];
  EXPECT_EQ(j["layouts"], nlohmann::json::array({"kohya"}));
  EXPECT_EQ(j["layers"]["unet"], 1);
  EXPECT_EQ(j["layers"]["text_encoder"], 1);
  EXPECT_EQ(j["rank_min"], 4);
  EXPECT_EQ(j["rank_max"], 8);
  EXPECT_EQ(j["alpha_tensors"], 1);
  EXPECT_EQ(j["made_for"], "SD 1.x");
  EXPECT_FALSE(json_of(r).contains("devices"));

  // PEFT names with a second text encoder: SDXL; the text form names it too.
  const std::string peft = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k";
  write_safetensors(xl, {{peft + ".lora_A.weight", torch::zeros({4, 2048})}, {peft + ".lora_B.weight", torch::zeros({640, 4})},
                         {"text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight", torch::zeros({4, 1280})},
                         {"text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj.lora_B.weight", torch::zeros({1280, 4})}},
                    {{"lora_adapter_metadata", R"({"unet.lora_alpha": 4, "unet.r": 4})"}});
  r = cli({"info", "--lora", xl});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.out.find("PEFT / diffusers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("text_encoder_2 1, unet 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("made for   SDXL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("metadata"), std::string::npos) << r.out;

  write_safetensors((dir / "model.safetensors").string(), {{"model.diffusion_model.out.2.weight", torch::zeros({2, 2})}});
  r = cli({"info", "--lora", (dir / "model.safetensors").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("is not a LoRA factor"), std::string::npos) << r.err;
}

TEST(CliModels, ListsKnownModels) {
  auto r = cli({"models", "--json"});
  EXPECT_EXIT_CODE(r, 0);
  auto j = json_of(r);
  std::vector<std::string> sources;
  for (const auto& m : j["models"]) sources.push_back(m["source"]);
  for (const char* s : {"builtin", "analytic", "random:sd15", "random:sd21", "random:tiny"})
    EXPECT_NE(std::find(sources.begin(), sources.end(), s), sources.end()) << s;

  r = cli({"models", "--check", "analytic", "--json"});
  EXPECT_EXIT_CODE(r, 0);
  j = json_of(r);
  bool analytic_checked = false;
  for (const auto& m : j["models"]) {
    if (m["source"] != "analytic") continue;
    EXPECT_TRUE(m["available"].get<bool>());
    EXPECT_EQ(m["architecture"], "analytic-gmm");
    analytic_checked = true;
  }
  EXPECT_TRUE(analytic_checked);
  EXPECT_EXIT_CODE(cli({"models", "--check", "no-such-model"}), 2);
}
