// SD3 prompt composition (diffusers StableDiffusion3Pipeline.encode_prompt): CLIP-L ++ bigG
// penultimate states zero-padded to the joint width, then T5's tokens along the sequence;
// pooled = both projected pooled outputs. Tiny random encoders; each block of the result is
// compared with the encoder run on its own.
#include <algorithm>

#include <gtest/gtest.h>

#include "core/models/loaders/random_weights.h"
#include "core/models/sd3/sd3_text_encoders.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

struct Fixture {
  Sd3TextEncoders enc;
  Sd3Tokenizers tok;
  Sd3TextOptions opt;
  Fixture() {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    enc.clip_l = ClipTextModel(clip_text_config_sd3_tiny_l(), f32);
    enc.clip_g = ClipTextModel(clip_text_config_sd3_tiny_g(), f32);
    enc.t5 = T5EncoderModel(t5_encoder_config_tiny(), f32);
    init_random_weights(*enc.clip_l, 1);
    init_random_weights(*enc.clip_g, 2);
    init_random_weights(*enc.t5, 3);
    tok.clip_l = std::make_shared<ByteLevelPromptTokenizer>(enc.clip_l->config().vocab_size);
    tok.clip_g = tok.clip_l;
    tok.t5 = std::make_shared<ByteLevelPromptTokenizer>(enc.t5->config().vocab_size);
    opt.joint_attention_dim = 32;  // sd3_transformer_config_tiny()
  }
  torch::Tensor ids(const PromptTokenizer& t, const std::string& text, int n) {
    return torch::tensor(t.encode(text, n).ids, torch::kLong).view({1, n});
  }
};

}  // namespace

TEST(Sd3TextEncoders, ConcatenatesClipStatesPadsThemAndAppendsT5Tokens) {
  Fixture f;
  std::vector<std::string> warnings;
  const std::string prompt = "a lighthouse at dusk";
  const auto c = encode_sd3_prompt(f.enc, f.tok, torch::kCPU, prompt, "prompt", f.opt, warnings);
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(c.context.sizes(), (std::vector<int64_t>{1, 77 + 256, 32}));
  ASSERT_EQ(c.pooled.sizes(), (std::vector<int64_t>{1, 16 + 8}));
  torch::NoGradGuard no_grad;
  const auto l = f.enc.clip_l->forward_penultimate(f.ids(*f.tok.clip_l, prompt, 77));
  const auto g = f.enc.clip_g->forward_penultimate(f.ids(*f.tok.clip_g, prompt, 77));
  const auto t5 = f.enc.t5->forward(f.ids(*f.tok.t5, prompt, 256));
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::equal(c.context.index({Slice(), Slice(0, 77), Slice(0, 16)}), l.hidden));
  EXPECT_TRUE(torch::equal(c.context.index({Slice(), Slice(0, 77), Slice(16, 24)}), g.hidden));
  EXPECT_EQ(c.context.index({Slice(), Slice(0, 77), Slice(24, 32)}).abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::equal(c.context.index({Slice(), Slice(77, 333)}), t5));
  EXPECT_TRUE(torch::equal(c.pooled, torch::cat({l.pooled, g.pooled}, -1)));
}

TEST(Sd3TextEncoders, WithoutT5ItsTokensAreZerosAndTheUserIsToldOnce) {
  Fixture f;
  f.enc.t5 = nullptr;
  f.tok.t5 = nullptr;
  std::vector<std::string> warnings;
  const auto c = encode_sd3_prompt(f.enc, f.tok, torch::kCPU, "a cat", "prompt", f.opt, warnings);
  encode_sd3_prompt(f.enc, f.tok, torch::kCPU, "", "negative prompt", f.opt, warnings);
  using torch::indexing::Slice;
  EXPECT_EQ(c.context.size(1), 77 + 256);
  EXPECT_EQ(c.context.index({Slice(), Slice(77, 333)}).abs().max().item<float>(), 0.0f);
  EXPECT_GT(c.context.index({Slice(), Slice(0, 77)}).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(std::count(warnings.begin(), warnings.end(), std::string(kSd3NoT5Warning)), 1);
}

TEST(Sd3TextEncoders, ShorterT5ContextAndTruncationWarning) {
  Fixture f;
  f.opt.t5_tokens = 8;
  std::vector<std::string> warnings;
  const auto c = encode_sd3_prompt(f.enc, f.tok, torch::kCPU, "twelve bytes", "prompt", f.opt, warnings);
  EXPECT_EQ(c.context.size(1), 77 + 8);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("prompt (T5)"), std::string::npos) << warnings[0];
}

TEST(Sd3TextEncoders, RefusesWidthsThatDoNotFit) {
  Fixture f;
  std::vector<std::string> warnings;
  f.opt.joint_attention_dim = 20;  // CLIP states are 24 wide
  EXPECT_THROW(encode_sd3_prompt(f.enc, f.tok, torch::kCPU, "x", "prompt", f.opt, warnings), UsageError);
  f.opt.joint_attention_dim = 64;  // T5 is 32 wide
  EXPECT_THROW(encode_sd3_prompt(f.enc, f.tok, torch::kCPU, "x", "prompt", f.opt, warnings), UsageError);
  f.opt.joint_attention_dim = 32;
  f.tok.t5 = nullptr;
  EXPECT_THROW(encode_sd3_prompt(f.enc, f.tok, torch::kCPU, "x", "prompt", f.opt, warnings), UsageError);
}

// google/t5-v1_1-xxl width equals SD3's joint attention width; the CLIP pair fills half of it.
TEST(Sd3TextEncoders, FullSizeWidthsFitSd3) {
  EXPECT_EQ(t5_encoder_config_xxl().d_model, 4096);
  EXPECT_EQ(clip_text_config_sd3_l().hidden_size + clip_text_config_sd3_g().hidden_size, 2048);
  EXPECT_EQ(clip_text_config_sd3_l().projection_dim + clip_text_config_sd3_g().projection_dim, 2048);
  EXPECT_TRUE(clip_text_config_sd3_l().with_projection);
}
