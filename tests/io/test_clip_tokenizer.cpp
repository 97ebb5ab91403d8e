// The CLIP BPE tokenizer on the tiny committed vocabulary (tests/io/data/clip_tiny, laid out like
// OpenAI CLIP's: ids 0-255 byte symbols, 256-511 the same with "</w>", merges from 512, then
// <|startoftext|> = 552 and <|endoftext|> = 553).
//
// The ids of HandDerivedPrompts were derived by hand (see the comments there). golden_ids.json
// holds, next to the ids we assert, the ids of Hugging Face's own CLIPTokenizer pipeline on the
// same files (Transformers.js, cross-checked with the Rust `tokenizers` library), written by
// tools/tokenizer_reference/reference_ids.mjs; where ours deliberately differs, the prompt is
// marked transformers_parity: false and its note says why (docs/models.md, "Tokenizer parity").
#include <gtest/gtest.h>

#include "core/io/json_file.h"
#include "core/text/clip_tokenizer.h"
#include "io_test_util.h"

using namespace drf;

namespace {

const ClipTokenizer& tiny() {
  static const ClipTokenizer tok(test::data_path("clip_tiny/vocab.json"), test::data_path("clip_tiny/merges.txt"));
  return tok;
}

constexpr int kBos = 552, kEos = 553;

}  // namespace

TEST(ClipTokenizer, SpecialIdsComeFromTheVocabulary) {
  EXPECT_EQ(tiny().bos_id(), kBos);
  EXPECT_EQ(tiny().eos_id(), kEos);
  EXPECT_EQ(tiny().pad_id(), kEos);  // SD 1.x pads with EOS
  EXPECT_EQ(tiny().vocab_size(), 554);
  EXPECT_EQ(tiny().token_id("!"), 0);
  EXPECT_EQ(tiny().token_id("not-a-token"), -1);
}

TEST(ClipTokenizer, HandDerivedPrompts) {
  // a</w> = 256 + ('a' - '!') = 320; photo</w> = 515 via h o -> ho, t o</w> -> to</w>, p ho, pho to</w>;
  // of</w> = 516; cat</w> = 518 (a t</w> ranks before c a, so "cat" never splits as "ca t").
  EXPECT_EQ(tiny().encode("a photo of a cat"), (std::vector<int>{kBos, 320, 515, 516, 320, 518, kEos}));
  // Case, tabs, newlines and edge spaces vanish; "!!" is one pre-token -> ! !</w> -> !!</w> (546).
  EXPECT_EQ(tiny().encode("  A Photo\tOF a\n\nCAT!! "), (std::vector<int>{kBos, 320, 515, 516, 320, 518, 546, kEos}));
  // "dog": d o (rank 23) merges before o g</w> (rank 37), leaving do (535) + g</w> (326).
  EXPECT_EQ(tiny().encode("dog"), (std::vector<int>{kBos, 535, 326, kEos}));
  // "ca" alone is c (66) + a</w> (320): "c a" only merges a bare 'a'.
  EXPECT_EQ(tiny().encode("ca"), (std::vector<int>{kBos, 66, 320, kEos}));
  EXPECT_EQ(tiny().encode(""), (std::vector<int>{kBos, kEos}));
}

TEST(ClipTokenizer, GoldenPromptSet) {
  const auto golden = read_json_file(test::data_path("clip_tiny/golden_ids.json"));
  int checked = 0, with_parity = 0;
  for (const auto& p : golden.at("prompts")) {
    const std::string name = p.at("name").get<std::string>(), prompt = p.at("prompt").get<std::string>();
    const auto ids = p.at("ids").get<std::vector<int>>();
    const auto reference = p.at("reference_ids").get<std::vector<int>>();
    EXPECT_EQ(tiny().encode(prompt), ids) << name;
    // The flags must tell the truth about the committed ids, and every exception must say why.
    const auto rust = p.contains("tokenizers_ids") ? p.at("tokenizers_ids").get<std::vector<int>>() : reference;
    const bool parity = p.at("transformers_parity").get<bool>();
    EXPECT_EQ(parity, ids == reference) << name;
    EXPECT_EQ(p.at("tokenizers_parity").get<bool>(), ids == rust) << name;
    if (!parity || ids != rust) EXPECT_FALSE(p.value("note", "").empty()) << name;
    if (parity) {
      ++with_parity;
      EXPECT_EQ(tiny().encode_padded(prompt).ids, p.at("reference_ids_77").get<std::vector<int>>()) << name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
  EXPECT_GE(with_parity, 25);
}

TEST(ClipTokenizer, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(tiny().encode("bad \xff\xfe utf8"), tiny().encode("bad \xEF\xBF\xBD\xEF\xBF\xBD utf8"));
  EXPECT_EQ(tiny().encode("\xe2\x82"), tiny().encode("\xEF\xBF\xBD"));    // truncated sequence: one U+FFFD
  EXPECT_EQ(tiny().encode(std::string("a\0b", 3)), tiny().encode("ab"));  // NUL is a control character: dropped
}

TEST(ClipTokenizer, PaddingAndTruncation) {
  const TokenizedPrompt empty = tiny().encode_padded("");
  ASSERT_EQ(empty.ids.size(), 77u);
  EXPECT_EQ(empty.ids[0], kBos);
  EXPECT_EQ(empty.ids[1], kEos);
  EXPECT_EQ(empty.eos_index, 1);
  EXPECT_EQ(empty.ids[76], kEos);  // EOS padding
  EXPECT_FALSE(empty.truncated);

  std::string prompt;
  for (int i = 0; i < 15; ++i) prompt += "a photo of a cat ";  // 75 tokens: fits exactly
  TokenizedPrompt fits = tiny().encode_padded(prompt);
  EXPECT_FALSE(fits.truncated);
  EXPECT_EQ(fits.prompt_tokens, 75);
  EXPECT_EQ(fits.eos_index, 76);
  EXPECT_EQ(fits.ids[76], kEos);

  for (int i = 0; i < 5; ++i) prompt += "a photo of a cat ";  // 100 tokens
  TokenizedPrompt cut = tiny().encode_padded(prompt);
  ASSERT_EQ(cut.ids.size(), 77u);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.prompt_tokens, 100);
  EXPECT_EQ(cut.ids[75], 518);   // the 75th token ("cat") is kept
  EXPECT_EQ(cut.ids[76], kEos);  // EOS always ends the context
  EXPECT_EQ(cut.dropped_text, "a photo of a cat a photo of a cat a photo of a cat a photo of a cat a photo of a cat");

  // SD 2.x pads with id 0 ("!").
  const ClipTokenizer sd2(test::data_path("clip_tiny/vocab.json"), test::data_path("clip_tiny/merges.txt"), 0);
  const TokenizedPrompt p = sd2.encode_padded("a cat", 8);
  EXPECT_EQ(p.ids, (std::vector<int>{kBos, 320, 518, kEos, 0, 0, 0, 0}));
  EXPECT_THROW(tiny().encode_padded("x", 1), UsageError);
}

TEST(ClipTokenizer, HugePromptsAndWordsStayBounded) {
  // A word longer than kMaxWordCodePoints is split for BPE (cost bounded; no real word is that long).
  const std::string word(ClipTokenizer::kMaxWordCodePoints + 4, 'b');
  const auto ids = tiny().tokenize(word);
  ASSERT_EQ(ids.size(), word.size());
  EXPECT_EQ(ids[ClipTokenizer::kMaxWordCodePoints - 1], 256 + ('b' - '!'));  // b</w> ends the first chunk
  // A 1 MB prompt is cut to kMaxPromptBytes and flagged as truncated.
  const TokenizedPrompt huge = tiny().encode_padded(std::string(1 << 20, 'x'));
  EXPECT_TRUE(huge.truncated);
  EXPECT_EQ(huge.ids.size(), 77u);
  EXPECT_LE(static_cast<std::size_t>(huge.prompt_tokens), ClipTokenizer::kMaxPromptBytes);
}

TEST(ClipTokenizer, DecodeInvertsEncode) {
  EXPECT_EQ(tiny().decode(tiny().encode("a photo of a café, 🔥!")), "a photo of a café , 🔥!");
}
