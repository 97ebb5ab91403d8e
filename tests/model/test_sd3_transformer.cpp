// The SD3 MMDiT (SD3Transformer2DModel): parameter counts of the published configs against the
// count the config implies (and diffusers' own count), diffusers' key layout, the position table,
// and the tiny configs' forward pass (shapes, batch independence, what the modulation reads).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/models/nn/layers.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/sd3/sd3_transformer.h"
#include "core/util/errors.h"

namespace drf {
namespace {

const torch::TensorOptions kEmpty = torch::TensorOptions().dtype(torch::kFloat32);

// The parameter count a config implies, written from diffusers' module definitions
// (transformer_sd3.py, attention.py JointTransformerBlock, normalization.py, embeddings.py),
// apart from our module code: patch conv, timestep and pooled MLPs, context embedder, per block
// AdaLayerNormZero(X) / AdaLayerNormContinuous, q/k/v + added q/k/v + outputs, RMS weights,
// the MMDiT-X second attention, two 4x feed-forwards, norm_out and proj_out.
int64_t implied_count(const Sd3TransformerConfig& c) {
  const int64_t D = c.inner_dim(), hd = c.attention_head_dim, p = c.patch_size;
  auto lin = [](int64_t i, int64_t o) { return i * o + o; };
  const bool qk = !c.qk_norm.empty();
  int64_t n = c.in_channels * D * p * p + D;
  n += lin(256, D) + lin(D, D) + lin(c.pooled_projection_dim, D) + lin(D, D);
  n += lin(c.joint_attention_dim, c.caption_projection_dim);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const bool last = i == c.num_layers - 1, dual = c.is_dual(i);
    n += lin(D, (dual ? 9 : 6) * D) + lin(D, (last ? 2 : 6) * D);
    n += 7 * lin(D, D) + (last ? 0 : lin(D, D));
    if (qk) n += 4 * hd;
    if (dual) n += 4 * lin(D, D) + (qk ? 2 * hd : 0);
    n += (last ? 1 : 2) * (lin(D, 4 * D) + lin(4 * D, D));
  }
  return n + lin(D, 2 * D) + lin(D, p * p * c.out_channels);
}

TEST(Sd3Transformer, FullSizeParameterCountsAreWhatTheConfigsImply) {
  for (const auto& c : {sd3_transformer_config_sd3_medium(), sd3_transformer_config_sd35_medium(),
                        sd3_transformer_config_sd35_large(), sd3_transformer_config_tiny(),
                        sd3_transformer_config_tiny_x()})
    EXPECT_EQ(layers::parameter_count(*SD3Transformer2DModel(c, kEmpty)), implied_count(c)) << c.num_layers;
  // The formula's values for the published configs (SD3 medium: the 2.03 B of the model card).
  EXPECT_EQ(implied_count(sd3_transformer_config_sd3_medium()), 2028328000);
  EXPECT_EQ(implied_count(sd3_transformer_config_sd35_medium()), 2243171520);
  EXPECT_EQ(implied_count(sd3_transformer_config_sd35_large()), 8056627520);
}

TEST(Sd3Transformer, KeysFollowDiffusersLayout) {
  auto m = SD3Transformer2DModel(sd3_transformer_config_sd35_medium(), kEmpty);
  auto params = m->named_parameters(true);
  auto buffers = m->named_buffers(true);
  auto shape = [&](const std::string& k) { return params[k].sizes().vec(); };
  using V = std::vector<int64_t>;
  EXPECT_EQ(buffers["pos_embed.pos_embed"].sizes().vec(), (V{1, 384 * 384, 1536}));
  EXPECT_EQ(shape("pos_embed.proj.weight"), (V{1536, 16, 2, 2}));
  EXPECT_EQ(shape("time_text_embed.timestep_embedder.linear_1.weight"), (V{1536, 256}));
  EXPECT_EQ(shape("time_text_embed.text_embedder.linear_1.weight"), (V{1536, 2048}));
  EXPECT_EQ(shape("context_embedder.weight"), (V{1536, 4096}));
  EXPECT_EQ(shape("transformer_blocks.0.norm1.linear.weight"), (V{9 * 1536, 1536}));
  EXPECT_EQ(shape("transformer_blocks.13.norm1.linear.weight"), (V{6 * 1536, 1536}));
  EXPECT_EQ(shape("transformer_blocks.12.attn2.to_q.weight"), (V{1536, 1536}));
  EXPECT_EQ(shape("transformer_blocks.12.attn2.norm_k.weight"), (V{64}));
  EXPECT_FALSE(params.contains("transformer_blocks.13.attn2.to_q.weight"));
  EXPECT_FALSE(params.contains("transformer_blocks.0.attn2.add_q_proj.weight"));
  EXPECT_EQ(shape("transformer_blocks.3.attn.norm_added_q.weight"), (V{64}));
  EXPECT_EQ(shape("transformer_blocks.3.attn.add_v_proj.bias"), (V{1536}));
  EXPECT_EQ(shape("transformer_blocks.3.attn.to_out.0.weight"), (V{1536, 1536}));
  EXPECT_EQ(shape("transformer_blocks.3.attn.to_add_out.weight"), (V{1536, 1536}));
  EXPECT_EQ(shape("transformer_blocks.3.ff.net.0.proj.weight"), (V{6144, 1536}));
  EXPECT_EQ(shape("transformer_blocks.3.ff_context.net.2.weight"), (V{1536, 6144}));
  // The last block only reads the context: AdaLayerNormContinuous, no context output or FF.
  EXPECT_EQ(shape("transformer_blocks.23.norm1_context.linear.weight"), (V{2 * 1536, 1536}));
  EXPECT_TRUE(params.contains("transformer_blocks.23.attn.add_q_proj.weight"));
  EXPECT_FALSE(params.contains("transformer_blocks.23.attn.to_add_out.weight"));
  EXPECT_FALSE(params.contains("transformer_blocks.23.ff_context.net.0.proj.weight"));
  EXPECT_EQ(shape("norm_out.linear.weight"), (V{2 * 1536, 1536}));
  EXPECT_EQ(shape("proj_out.weight"), (V{64, 1536}));
  auto sd3 = SD3Transformer2DModel(sd3_transformer_config_sd3_medium(), kEmpty)->named_parameters(true);
  EXPECT_FALSE(sd3.contains("transformer_blocks.0.attn.norm_q.weight")) << "SD3 has no qk norm";
}

TEST(Sd3Transformer, PublishedConfigJsonParsesToThePreset) {
  // stabilityai/stable-diffusion-3.5-medium transformer/config.json (diffusers 0.31.0.dev0).
  const auto j = nlohmann::json::parse(R"({"_class_name": "SD3Transformer2DModel", "_diffusers_version": "0.31.0.dev0",
    "attention_head_dim": 64, "caption_projection_dim": 1536, "dual_attention_layers": [0,1,2,3,4,5,6,7,8,9,10,11,12],
    "in_channels": 16, "joint_attention_dim": 4096, "num_attention_heads": 24, "num_layers": 24, "out_channels": 16,
    "patch_size": 2, "pooled_projection_dim": 2048, "pos_embed_max_size": 384, "qk_norm": "rms_norm", "sample_size": 128})");
  const auto c = parse_sd3_transformer_config(j, "config.json");
  EXPECT_EQ(sd3_transformer_config_to_json(c), sd3_transformer_config_to_json(sd3_transformer_config_sd35_medium()));
  EXPECT_EQ(parse_sd3_transformer_config(sd3_transformer_config_to_json(sd3_transformer_config_sd3_medium()), "x")
                .pos_embed_max_size, 192);
  auto bad = j;
  bad["qk_norm"] = "layer_norm";
  EXPECT_THROW(parse_sd3_transformer_config(bad, "config.json"), InputError);
  bad = j;
  bad["caption_projection_dim"] = 1152;
  EXPECT_THROW(parse_sd3_transformer_config(bad, "config.json"), InputError);
  bad = j;
  bad["dual_attention_layers"] = {30};
  EXPECT_THROW(parse_sd3_transformer_config(bad, "config.json"), InputError);
}

TEST(Sd3Transformer, PositionTableIsTheTwoAxisSinCos) {
  // dim 8: per axis 4 channels = sin(p w0), sin(p w1), cos(p w0), cos(p w1) with w = 1, 1/100;
  // columns first. Grid 4 over base size 2: positions 0, 0.5, 1, 1.5.
  const auto t = sd3_sincos_position_table(8, 4, 2);
  ASSERT_EQ(t.sizes().vec(), (std::vector<int64_t>{16, 8}));
  const int64_t token = 1 * 4 + 3;  // row 1, column 3
  const double col = 1.5, row = 0.5;
  const double expected[8] = {std::sin(col), std::sin(col / 100), std::cos(col), std::cos(col / 100),
                              std::sin(row), std::sin(row / 100), std::cos(row), std::cos(row / 100)};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(t[token][i].item<double>(), expected[i], 1e-15) << i;
}

struct TinyInputs {
  torch::Tensor x, ctx, pooled, t;
};

TinyInputs tiny_inputs(const Sd3TransformerConfig& c, int64_t batch, int64_t side) {
  torch::manual_seed(7);
  return {torch::randn({batch, c.in_channels, side, side}), torch::randn({batch, 5, c.joint_attention_dim}),
          torch::randn({batch, c.pooled_projection_dim}), torch::tensor({1000.0f, 523.7f, 3.0f}).narrow(0, 0, batch)};
}

SD3Transformer2DModel tiny_model(const Sd3TransformerConfig& c, torch::Dtype dtype = torch::kFloat32) {
  SD3Transformer2DModel m(c, torch::TensorOptions().dtype(dtype));
  init_random_weights(*m, 21);
  m->patch_embed()->fill_position_table();
  m->eval();
  return m;
}

TEST(Sd3Transformer, TinyForwardKeepsTheLatentShapeAndBatchRowsIndependent) {
  torch::NoGradGuard ng;
  for (const auto& c : {sd3_transformer_config_tiny(), sd3_transformer_config_tiny_x()}) {
    auto m = tiny_model(c, torch::kFloat64);
    auto in = tiny_inputs(c, 3, 8);
    auto to64 = [](const torch::Tensor& t) { return t.to(torch::kFloat64); };
    auto y = m->forward(to64(in.x), to64(in.ctx), to64(in.pooled), in.t);
    ASSERT_EQ(y.sizes(), in.x.sizes());
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
    // Rows do not see each other: each row alone gives the same output (float64, so the
    // different reduction order of a batch of one stays far below the 1e-12 bound).
    for (int64_t b = 0; b < 3; ++b) {
      auto yb = m->forward(to64(in.x.narrow(0, b, 1)), to64(in.ctx.narrow(0, b, 1)), to64(in.pooled.narrow(0, b, 1)),
                           in.t.narrow(0, b, 1));
      EXPECT_LT((yb[0] - y[b]).abs().max().item<double>(), 1e-12);
    }
    // The timestep and the pooled embedding reach the output (modulation), so does the context.
    auto y_t = m->forward(to64(in.x), to64(in.ctx), to64(in.pooled), in.t + 100);
    auto y_p = m->forward(to64(in.x), to64(in.ctx), to64(in.pooled) * 2, in.t);
    auto y_c = m->forward(to64(in.x), to64(in.ctx) * 2, to64(in.pooled), in.t);
    EXPECT_GT((y_t - y).abs().max().item<double>(), 1e-3);
    EXPECT_GT((y_p - y).abs().max().item<double>(), 1e-3);
    EXPECT_GT((y_c - y).abs().max().item<double>(), 1e-3);
    // A non-square latent crops a non-square piece of the table.
    auto wide = m->forward(torch::randn({1, c.in_channels, 4, 10}, torch::kFloat64), to64(in.ctx.narrow(0, 0, 1)),
                           to64(in.pooled.narrow(0, 0, 1)), in.t.narrow(0, 0, 1));
    EXPECT_EQ(wide.sizes().vec(), (std::vector<int64_t>{1, c.in_channels, 4, 10}));
  }
}

// The GPU denoisers fuse each stream's q/k/v into one product (fused_projection.h): the output
// stays, the parameters become views of one tensor per stream (names and count unchanged), and
// a weight replaced afterwards is read, not the stale fused copy.
TEST(Sd3Transformer, FusedProjectionsKeepTheOutput) {
  torch::NoGradGuard ng;
  for (const auto& c : {sd3_transformer_config_tiny(), sd3_transformer_config_tiny_x()}) {
    auto plain = tiny_model(c, torch::kFloat64);
    auto fused = tiny_model(c, torch::kFloat64);  // the same seed: the same weights
    auto in = tiny_inputs(c, 2, 8);
    auto to64 = [](const torch::Tensor& t) { return t.to(torch::kFloat64); };
    auto run = [&](SD3Transformer2DModel& m) { return m->forward(to64(in.x), to64(in.ctx), to64(in.pooled), in.t); };
    const auto expected = run(plain);
    const auto count = layers::parameter_count(*fused);
    fused->fuse_projections();
    EXPECT_EQ(layers::parameter_count(*fused), count);
    auto params = fused->named_parameters(true);
    for (const char* stream : {"to_", "add_"}) {
      const std::string p = std::string("transformer_blocks.0.attn.") + stream;
      const std::string suffix = std::string(stream) == "to_" ? "" : "_proj";
      const auto q = params[p + "q" + suffix + ".weight"], k = params[p + "k" + suffix + ".weight"],
                 v = params[p + "v" + suffix + ".weight"];
      EXPECT_TRUE(q.storage().is_alias_of(v.storage())) << p;
      EXPECT_EQ(static_cast<char*>(k.data_ptr()), static_cast<char*>(q.data_ptr()) + q.nbytes()) << p;
    }
    EXPECT_LT((run(fused) - expected).abs().max().item<double>(), 1e-12);
    // Replace one weight in both models: the fused model falls back to separate products. (A
    // stale fused view would miss the change, which moves the output by far more than 1e-12.)
    for (auto* m : {&plain, &fused}) {
      auto v = (*m)->named_parameters(true)["transformer_blocks.0.attn.to_v.weight"];
      v.set_data(v * 3);
    }
    const auto changed = run(plain);
    EXPECT_GT((changed - expected).abs().max().item<double>(), 1e-9);
    EXPECT_LT((run(fused) - changed).abs().max().item<double>(), 1e-12);
  }
}

TEST(Sd3Transformer, BadInputsAreRefusedByName) {
  torch::NoGradGuard ng;
  const auto c = sd3_transformer_config_tiny();
  auto m = tiny_model(c);
  auto in = tiny_inputs(c, 1, 8);
  // 26 latent pixels = 13 patches > the 12-patch table.
  EXPECT_THROW(m->forward(torch::randn({1, 16, 26, 8}), in.ctx, in.pooled, in.t), UsageError);
  EXPECT_THROW(m->forward(torch::randn({1, 16, 7, 8}), in.ctx, in.pooled, in.t), UsageError);
  EXPECT_THROW(m->forward(in.x, torch::randn({1, 5, 31}), in.pooled, in.t), UsageError);
  EXPECT_THROW(m->forward(in.x, in.ctx, torch::randn({1, 23}), in.t), UsageError);
  EXPECT_THROW(m->forward(in.x, in.ctx, torch::Tensor(), in.t), UsageError);
}

}  // namespace
}  // namespace drf
