// Single-file SD3 checkpoints in Stability's layout (model.diffusion_model.* MMDiT names with fused
// qkv and (shift, scale) adaLN halves, text_encoders.{clip_l,clip_g,t5xxl}.transformer.*,
// first_stage_model.*), written by our safetensors writer from one random tiny model: with the text
// encoders in the file, and without them (encoders and tokenizers from an SD3 diffusers folder).
// Both load to the original tensors and give the same image; hostile files are refused by name.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/engine/engine.h"
#include "core/io/safetensors_writer.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/sd3/sd3_mmdit_key_map.h"
#include "core/models/sd3/sd3_single_file.h"
#include "core/util/errors.h"
#include "model_test_util.h"

namespace drf {
namespace {
namespace fs = std::filesystem;

std::unique_ptr<Sd3Pipeline> random_tiny(const std::string& preset = "sd3-tiny") {
  PipelineRequest req;
  req.source = "random:" + preset;
  return make_random_sd3_pipeline(preset, req);
}

// tokenizer/, tokenizer_2/, tokenizer_3/ and, with `encoders`, text_encoder{,_2,_3}/ of `p`.
void write_sd3_side_folder(const std::string& dir, Sd3Pipeline& p, bool encoders) {
  test::write_sd3_tokenizer_folders(dir);
  if (!encoders) return;
  const Sd3ModelConfig& c = p.config();
  Sd3Modules& m = p.modules();
  for (const char* sub : {"text_encoder", "text_encoder_2", "text_encoder_3"}) fs::create_directories(dir + "/" + sub);
  test::write_text(dir + "/text_encoder/config.json", clip_text_config_to_json(c.text_l).dump(2));
  test::write_text(dir + "/text_encoder_2/config.json", clip_text_config_to_json(c.text_g).dump(2));
  test::write_text(dir + "/text_encoder_3/config.json", t5_encoder_config_to_json(c.t5).dump(2));
  write_safetensors(dir + "/text_encoder/model.safetensors", module_state(*m.text.clip_l));
  write_safetensors(dir + "/text_encoder_2/model.safetensors", module_state(*m.text.clip_g));
  write_safetensors(dir + "/text_encoder_3/model.safetensors", module_state(*m.text.t5));
}

void expect_same_state(torch::nn::Module& a, torch::nn::Module& b) {
  auto sa = module_state(a), sb = module_state(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [k, v] : sa) EXPECT_TRUE(torch::equal(v, sb.at(k))) << k;
}

Sd3Pipeline& as_sd3(const std::unique_ptr<Pipeline>& p) {
  auto* sd3 = dynamic_cast<Sd3Pipeline*>(p.get());
  if (!sd3) throw std::runtime_error("not dispatched to the SD3 family");
  return *sd3;
}

std::string input_error_of(const PipelineRequest& req) {
  try {
    load_pipeline(req);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Sd3SingleFile, KeyMapFusesQkvAndSwapsTheContinuousNormHalves) {
  auto p = random_tiny();
  const auto state = sd3_single_file_state(p->config(), p->modules(), false);
  const std::string P = kSd3MmditPrefix;
  const auto& t = module_state(*p->modules().transformer);
  // Fused qkv: q, k, v stacked along the output rows.
  EXPECT_TRUE(torch::equal(state.at(P + "joint_blocks.1.x_block.attn.qkv.weight"),
                           torch::cat({t.at("transformer_blocks.1.attn.to_q.weight"), t.at("transformer_blocks.1.attn.to_k.weight"),
                                       t.at("transformer_blocks.1.attn.to_v.weight")})));
  EXPECT_TRUE(torch::equal(state.at(P + "joint_blocks.0.context_block.attn.qkv.bias"),
                           torch::cat({t.at("transformer_blocks.0.attn.add_q_proj.bias"),
                                       t.at("transformer_blocks.0.attn.add_k_proj.bias"),
                                       t.at("transformer_blocks.0.attn.add_v_proj.bias")})));
  // AdaLayerNormContinuous stores (shift, scale) in the original, (scale, shift) in diffusers.
  const auto ours = t.at("norm_out.linear.weight");
  const auto theirs = state.at(P + "final_layer.adaLN_modulation.1.weight");
  const int64_t D = ours.size(0) / 2;
  EXPECT_TRUE(torch::equal(theirs.narrow(0, 0, D), ours.narrow(0, D, D)));
  EXPECT_TRUE(torch::equal(theirs.narrow(0, D, D), ours.narrow(0, 0, D)));
  const int64_t last = p->config().transformer.num_layers - 1;
  const auto ctx = t.at("transformer_blocks." + std::to_string(last) + ".norm1_context.linear.bias");
  const auto ctx_file = state.at(P + "joint_blocks." + std::to_string(last) + ".context_block.adaLN_modulation.1.bias");
  EXPECT_TRUE(torch::equal(ctx_file.narrow(0, 0, D), ctx.narrow(0, D, D)));
  // Other blocks' context norms (AdaLayerNormZero) keep their order.
  EXPECT_TRUE(torch::equal(state.at(P + "joint_blocks.0.context_block.adaLN_modulation.1.bias"),
                           t.at("transformer_blocks.0.norm1_context.linear.bias")));
  EXPECT_TRUE(torch::equal(state.at(P + "pos_embed"), t.at("pos_embed.pos_embed")));
  EXPECT_TRUE(torch::equal(state.at(P + "y_embedder.mlp.2.weight"), t.at("time_text_embed.text_embedder.linear_2.weight")));
  // The last block has no context output or feed-forward, as the original's pre_only block.
  EXPECT_EQ(state.count(P + "joint_blocks." + std::to_string(last) + ".context_block.attn.proj.weight"), 0u);
  EXPECT_EQ(state.count(P + "joint_blocks." + std::to_string(last) + ".context_block.mlp.fc1.weight"), 0u);
}

TEST(Sd3SingleFile, BothLayoutsLoadTheSameTensorsAndGiveTheSameImage) {
  auto original = random_tiny();
  test::TempDir dir("sd3_single");
  const std::string full = dir.file("sd3_tiny_incl_clips_t5.safetensors");
  const std::string bare = dir.file("sd3_tiny.safetensors");
  write_safetensors(full, sd3_single_file_state(original->config(), original->modules(), true));
  write_safetensors(bare, sd3_single_file_state(original->config(), original->modules(), false));
  write_sd3_side_folder(dir.file("tokenizers"), *original, false);
  write_sd3_side_folder(dir.file("encoders"), *original, true);

  PipelineRequest with;
  with.source = full;
  with.tokenizer_dir = dir.file("tokenizers");
  PipelineRequest without;
  without.source = bare;
  without.tokenizer_dir = dir.file("encoders");
  for (const PipelineRequest& req : {with, without}) {
    auto loaded = load_pipeline(req);
    Sd3Pipeline& sd3 = as_sd3(loaded);
    EXPECT_EQ(sd3.config().architecture, "sd3-tiny") << req.source;
    EXPECT_TRUE(sd3.config().has_t5);
    expect_same_state(*original->modules().transformer, *sd3.modules().transformer);
    expect_same_state(*original->modules().text.clip_l, *sd3.modules().text.clip_l);
    expect_same_state(*original->modules().text.clip_g, *sd3.modules().text.clip_g);
    expect_same_state(*original->modules().text.t5, *sd3.modules().text.t5);
    expect_same_state(*original->modules().vae, *sd3.modules().vae);
  }
  // The same image through the engine (same tokenizers in both folders).
  Engine engine;
  GenerationSettings s;
  s.model = full;
  s.tokenizer_dir = with.tokenizer_dir;
  s.prompt = "a lighthouse at dusk";
  s.seed = 7;
  s.steps = 4;
  s.guidance = 5;
  const auto a = engine.generate(s, nullptr);
  s.model = bare;
  s.tokenizer_dir = without.tokenizer_dir;
  const auto b = engine.generate(s, nullptr);
  EXPECT_EQ(a.image.width, 64);
  EXPECT_EQ(a.image_float, b.image_float);
  EXPECT_FALSE(a.model_hash.empty());  // the single file is hashed as A1111 does
}

TEST(Sd3SingleFile, Sd35MediumShapesAndAMissingClipProjectionLoad) {
  // MMDiT-X (dual attention) and RMS q/k norms come from the tensors; a CLIP-L without its
  // projection projects with the identity, as diffusers' single-file loader does.
  auto original = random_tiny("sd3-tiny");
  Sd3ModelConfig c = original->config();
  c.transformer = sd3_transformer_config_tiny_x();
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  Sd3Modules m = build_sd3_modules(c, options, options);
  torch::manual_seed(11);
  {
    torch::NoGradGuard ng;
    for (auto& p : m.transformer->parameters()) p.normal_(0, 0.1);
    m.transformer->patch_embed()->fill_position_table();
  }
  m.text = original->modules().text;
  m.vae = original->modules().vae;
  auto state = sd3_single_file_state(c, m, true);
  ASSERT_EQ(state.erase(std::string(kSd3ClipLPrefix) + "text_projection.weight"), 1u);
  EXPECT_EQ(state.count(std::string(kSd3MmditPrefix) + "joint_blocks.1.x_block.attn2.qkv.weight"), 1u);
  test::TempDir dir("sd3_x");
  write_safetensors(dir.file("x.safetensors"), state);
  write_sd3_side_folder(dir.file("tok"), *original, false);
  PipelineRequest req;
  req.source = dir.file("x.safetensors");
  req.tokenizer_dir = dir.file("tok");
  auto loaded = load_pipeline(req);
  Sd3Pipeline& sd3 = as_sd3(loaded);
  EXPECT_EQ(sd3.config().transformer.qk_norm, "rms_norm");
  EXPECT_EQ(sd3.config().transformer.dual_attention_layers, (std::vector<int64_t>{0, 1}));
  expect_same_state(*m.transformer, *sd3.modules().transformer);
  const auto proj = module_state(*sd3.modules().text.clip_l).at("text_projection.weight");
  EXPECT_TRUE(torch::equal(proj, torch::eye(proj.size(0))));
}

TEST(Sd3SingleFile, MissingPartsAndHostileTensorsAreNamed) {
  auto original = random_tiny();
  test::TempDir dir("sd3_hostile");
  const std::string bare = dir.file("bare.safetensors");
  write_safetensors(bare, sd3_single_file_state(original->config(), original->modules(), false));
  PipelineRequest req;
  req.source = bare;
  // No encoders in the file and no folder: every missing part is named.
  std::string e = input_error_of(req);
  for (const char* part : {"text_encoders.clip_l", "text_encoders.clip_g", "--tokenizer"})
    EXPECT_NE(e.find(part), std::string::npos) << part << ": " << e;
  // A tokenizer folder without the encoders is not enough either.
  write_sd3_side_folder(dir.file("tok"), *original, false);
  req.tokenizer_dir = dir.file("tok");
  e = input_error_of(req);
  EXPECT_NE(e.find("text_encoder/"), std::string::npos) << e;
  // The full file without any tokenizer folder says what to pass.
  const std::string full = dir.file("full.safetensors");
  const auto good = sd3_single_file_state(original->config(), original->modules(), true);
  write_safetensors(full, good);
  req.source = full;
  req.tokenizer_dir.clear();
  EXPECT_NE(input_error_of(req).find("carries no tokenizers"), std::string::npos);
  req.tokenizer_dir = dir.file("tok");

  const std::string P = kSd3MmditPrefix;
  auto refused_naming = [&](std::map<std::string, torch::Tensor> tensors, const std::string& key) {
    write_safetensors(full, tensors);
    const std::string why = input_error_of(req);
    EXPECT_NE(why.find(key), std::string::npos) << key << ": " << (why.empty() ? "accepted" : why);
  };
  {  // a misshapen fused qkv
    auto t = good;
    t[P + "joint_blocks.1.x_block.attn.qkv.weight"] = torch::zeros({47, 16});
    refused_naming(t, "joint_blocks.1.x_block.attn.qkv.weight");
  }
  {  // a block beyond the counted ones
    auto t = good;
    t[P + "joint_blocks.7.x_block.mlp.fc1.weight"] = torch::zeros({64, 16});
    refused_naming(t, "joint_blocks.7.x_block.mlp.fc1.weight");
  }
  {  // a position table that is not square
    auto t = good;
    t[P + "pos_embed"] = torch::zeros({1, 143, 16});
    refused_naming(t, "pos_embed");
  }
  {  // a tensor of no architecture under a text encoder's prefix
    auto t = good;
    t[std::string(kSd3ClipGPrefix) + "text_model.encoder.layers.9.mlp.fc1.weight"] = torch::zeros({4, 4});
    refused_naming(t, "text_model.encoder.layers.9.mlp.fc1.weight");
  }
  {  // a missing T5 block tensor
    auto t = good;
    t.erase(std::string(kSd3T5Prefix) + "encoder.block.1.layer.1.DenseReluDense.wo.weight");
    refused_naming(t, "encoder.block.1.layer.1.DenseReluDense.wo.weight");
  }
  {  // a truncated file: the reader refuses it by name
    write_safetensors(full, good);
    fs::resize_file(full, fs::file_size(full) - 100);
    EXPECT_NE(input_error_of(req).find(full), std::string::npos);
  }
}

TEST(Sd3SingleFile, FolderPartLargerThanItsWeightsIsRefusedBeforeBuilding) {
  // The weights budget: a component config implying far more parameters than its file holds.
  auto original = random_tiny();
  test::TempDir dir("sd3_budget");
  const std::string bare = dir.file("bare.safetensors");
  write_safetensors(bare, sd3_single_file_state(original->config(), original->modules(), true));
  write_sd3_side_folder(dir.file("tok"), *original, true);
  // The text encoder folder claims a CLIP far larger than its weights (256 layers with 65536-wide
  // feed-forwards: ~0.5 billion parameters next to a file of kilobytes).
  ClipTextConfig huge = original->config().text_l;
  huge.num_hidden_layers = 256;
  huge.intermediate_size = 65536;
  test::write_text(dir.file("tok/text_encoder/config.json"), clip_text_config_to_json(huge).dump(2));
  write_safetensors(bare, sd3_single_file_state(original->config(), original->modules(), false));
  PipelineRequest req;
  req.source = bare;
  req.tokenizer_dir = dir.file("tok");
  const std::string e = input_error_of(req);
  EXPECT_NE(e.find("implies"), std::string::npos) << e;
  EXPECT_NE(e.find("does not belong to these weights"), std::string::npos) << e;
}

}  // namespace
}  // namespace drf
