// T5 encoder: parity with transformers' T5EncoderModel on committed tiny goldens (random
// weights, float64 outputs; tools/gpu/parity/make_reference_t5.py run on one H200), the
// relative-position buckets, the full-size T5-XXL parameter count, weight loading (tied token
// table, sharded safetensors with an index) and its errors.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/io/remove_tree.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/loaders/safetensors_folder.h"
#include "core/models/t5/t5_encoder.h"
#include "core/util/errors.h"
#include "tests/model/parity_runner.h"

namespace fs = std::filesystem;
using namespace drf;

namespace {

const std::string kParity = std::string(DRF_T5_TEST_DATA) + "/parity";

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("drf_t5_" + name + "_" + std::to_string(::getpid()));
  drf::remove_tree(p);
  fs::create_directories(p);
  return p;
}

// Our fp32 CPU output against the reference's float64 one: relative to max |expected|, within
// 10x the reference's own fp32 error (floor 1e-4), the bound the other parity cases use.
void check_t5_case(const std::string& name) {
  const std::string dir = kParity + "/" + name;
  ASSERT_TRUE(fs::exists(dir + "/case.json")) << dir << " missing (see tests/t5/data/README.md)";
  const auto info = config_json::read_file(dir + "/case.json");
  ASSERT_EQ(info.at("kind"), "t5");
  const T5EncoderConfig c = parse_t5_encoder_config(config_json::read_file(dir + "/config.json"), dir);
  T5EncoderModel m(c, torch::TensorOptions().dtype(torch::kFloat32));
  auto weights = std::make_shared<SafetensorsWeightSource>(
      std::make_shared<const SafetensorsFile>(dir + "/weights.safetensors"));
  load_t5_encoder_weights(m, weights, torch::kFloat32, torch::kCPU);
  const SafetensorsFile io(dir + "/io.safetensors");
  torch::NoGradGuard no_grad;
  const auto ours = m->forward(io.tensor("input_ids", torch::kLong)).to(torch::kFloat64);
  const auto expected = io.tensor("expected", torch::kFloat64);
  ASSERT_EQ(ours.sizes(), expected.sizes());
  const double rel = (ours - expected).abs().max().item<double>() / expected.abs().max().item<double>();
  const double ref = info.at("reference_error").at("fp32").at("rel").get<double>();
  EXPECT_LE(rel, std::max(1e-4, 10 * ref)) << name << ": reference fp32 self-error " << ref;
}

}  // namespace

TEST(T5Encoder, MatchesTransformersTiny) { check_t5_case("t5_tiny"); }

// One layer with SD3's bucket settings (32 buckets, max distance 128) over 256 tokens: every
// bucket edge the full model uses.
TEST(T5Encoder, MatchesTransformersSd3BucketsOver256Tokens) { check_t5_case("t5_tiny_buckets"); }

// SD3's text_encoder: CLIPTextModelWithProjection (quick_gelu, tiny), penultimate states and
// projected pooled output, through the shared parity runner.
TEST(T5Encoder, Sd3ClipLWithProjectionMatchesTransformers) {
  const auto results = parity::run_case(kParity + "/text_sd3_tiny_l", torch::kCPU, torch::kFloat32);
  ASSERT_EQ(results.size(), 3u);  // last_hidden_state, penultimate states, pooled
  for (const auto& r : results) EXPECT_TRUE(r.pass) << r.output << " rel " << r.rel << " bound " << r.bound;
}

// transformers' _relative_position_bucket (bidirectional, 32 buckets, max distance 128), values
// worked by hand: |d| < 8 exact; 8 <= |d| < 128 logarithmic in 8..15; beyond, 15; keys after the
// query add 16.
TEST(T5Encoder, RelativePositionBucketsFollowTransformers) {
  const auto b = t5_relative_position_buckets(300, 32, 128, torch::kCPU);
  auto at = [&](int64_t q, int64_t k) { return b[q][k].item<int64_t>(); };
  EXPECT_EQ(at(0, 0), 0);
  EXPECT_EQ(at(5, 0), 5);        // key 5 before the query
  EXPECT_EQ(at(0, 5), 16 + 5);   // key 5 after
  EXPECT_EQ(at(7, 0), 7);
  EXPECT_EQ(at(8, 0), 8);        // 8 + floor(log(1)/log(16)*8) = 8
  EXPECT_EQ(at(20, 0), 10);      // 8 + floor(log(20/8)/log(16)*8 = 2.64)
  EXPECT_EQ(at(40, 0), 12);      // 8 + floor(4.64)
  EXPECT_EQ(at(50, 0), 13);      // 8 + floor(5.29)
  EXPECT_EQ(at(127, 0), 15);     // 8 + floor(7.98) = 15
  EXPECT_EQ(at(299, 0), 15);     // clamped
  EXPECT_EQ(at(0, 299), 31);
}

// google/t5-v1_1-xxl encoder: transformers' T5EncoderModel has 4,762,310,656 parameters (sum of
// numel, tied table once; computed on the GPU machine, docs/sd3.md). Counted on meta tensors.
TEST(T5Encoder, FullSizeXxlParameterCountMatchesTransformers) {
  T5EncoderModel m(t5_encoder_config_xxl(), torch::TensorOptions().dtype(torch::kFloat32).device(torch::kMeta));
  EXPECT_EQ(layers::parameter_count(*m), 4762310656LL);
}

// save_pretrained may keep only the tied copy encoder.embed_tokens.weight: it fills "shared".
TEST(T5Encoder, LoadsTheTokenTableFromEitherTiedName) {
  const auto c = t5_encoder_config_tiny();
  T5EncoderModel src(c, torch::TensorOptions().dtype(torch::kFloat32));
  init_random_weights(*src, 7);
  auto state = module_state(*src);
  state["encoder.embed_tokens.weight"] = state.at("shared.weight").clone();
  state.erase("shared.weight");
  T5EncoderModel dst(c, torch::TensorOptions().dtype(torch::kFloat32));
  load_t5_encoder_weights(dst, std::make_shared<TensorMapWeightSource>(state, "tied"), torch::kFloat32, torch::kCPU);
  const auto ids = torch::tensor({{5, 9, 1, 0}}, torch::kLong);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(src->forward(ids), dst->forward(ids)));

  state.erase("encoder.embed_tokens.weight");
  try {
    load_t5_encoder_weights(dst, std::make_shared<TensorMapWeightSource>(state, "no table"), torch::kFloat32,
                            torch::kCPU);
    FAIL() << "a missing token table must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("shared.weight"), std::string::npos) << e.what();
  }
}

TEST(T5Encoder, ShardedSafetensorsWithIndexLoadLikeOneFile) {
  const auto c = t5_encoder_config_tiny();
  T5EncoderModel src(c, torch::TensorOptions().dtype(torch::kFloat32));
  init_random_weights(*src, 11);
  const auto state = module_state(*src);
  const fs::path dir = temp_dir("shards");
  std::map<std::string, torch::Tensor> a, b;
  nlohmann::json index{{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  int k = 0;
  for (const auto& [name, t] : state) {
    const bool first = (k++ % 2) == 0;
    (first ? a : b)[name] = t;
    index["weight_map"][name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  write_safetensors((dir / "model-00001-of-00002.safetensors").string(), a);
  write_safetensors((dir / "model-00002-of-00002.safetensors").string(), b);
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  auto source = open_safetensors_weights(dir.string());
  EXPECT_EQ(source->names().size(), state.size());
  T5EncoderModel dst(c, torch::TensorOptions().dtype(torch::kFloat32));
  load_t5_encoder_weights(dst, source, torch::kFloat32, torch::kCPU);
  const auto ids = torch::tensor({{3, 1, 4, 1, 5, 9, 2, 6}}, torch::kLong);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(src->forward(ids), dst->forward(ids)));

  // A shard named outside the folder, a missing shard, a tensor not in its shard: refused by name.
  auto expect_refused = [&](nlohmann::json bad, const std::string& needle) {
    std::ofstream(dir / "model.safetensors.index.json") << bad.dump();
    try {
      open_safetensors_weights(dir.string());
      FAIL() << "accepted an index with " << needle;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto bad = index;
  bad["weight_map"]["shared.weight"] = "../model-00001-of-00002.safetensors";
  expect_refused(bad, "not a plain file name");
  bad = index;
  bad["weight_map"]["shared.weight"] = "model-00003-of-00003.safetensors";
  expect_refused(bad, "is missing");
  bad = index;
  bad["weight_map"]["not.a.tensor"] = "model-00001-of-00002.safetensors";
  expect_refused(bad, "not.a.tensor");
  expect_refused(nlohmann::json{{"metadata", {}}}, "weight_map");
  drf::remove_tree(dir);
}

TEST(T5Encoder, RejectsUnsupportedConfigsAndIds) {
  nlohmann::json j = t5_encoder_config_to_json(t5_encoder_config_tiny());
  EXPECT_EQ(parse_t5_encoder_config(j, "cfg").d_model, 32);
  j["feed_forward_proj"] = "relu";
  EXPECT_THROW(parse_t5_encoder_config(j, "cfg"), InputError);
  T5EncoderModel m(t5_encoder_config_tiny(), torch::TensorOptions().dtype(torch::kFloat32));
  init_random_weights(*m, 3);
  EXPECT_THROW(m->forward(torch::tensor({{1, 320}}, torch::kLong)), UsageError);
}

// The fields of diffusers' text_encoder_3/config.json (google/t5-v1_1-xxl) give the XXL config.
TEST(T5Encoder, ParsesSd3TextEncoder3Config) {
  const nlohmann::json j{{"architectures", {"T5EncoderModel"}}, {"d_ff", 10240}, {"d_kv", 64}, {"d_model", 4096},
                         {"dense_act_fn", "gelu_new"}, {"feed_forward_proj", "gated-gelu"}, {"is_gated_act", true},
                         {"layer_norm_epsilon", 1e-06}, {"model_type", "t5"}, {"num_decoder_layers", 24},
                         {"num_heads", 64}, {"num_layers", 24}, {"relative_attention_max_distance", 128},
                         {"relative_attention_num_buckets", 32}, {"vocab_size", 32128}};
  const auto c = parse_t5_encoder_config(j, "text_encoder_3/config.json");
  const auto x = t5_encoder_config_xxl();
  EXPECT_EQ(c.d_model, x.d_model);
  EXPECT_EQ(c.d_ff, x.d_ff);
  EXPECT_EQ(c.num_layers, x.num_layers);
  EXPECT_EQ(c.num_heads, x.num_heads);
  EXPECT_EQ(c.vocab_size, x.vocab_size);
  EXPECT_EQ(c.relative_attention_num_buckets, 32);
  EXPECT_EQ(c.relative_attention_max_distance, 128);
}
