// The T5 Unigram tokenizer read from tokenizer.json: ids equal to transformers' T5TokenizerFast
// / the tokenizers library on tricky prompts (golden ids in data/t5_tokenizer/golden.json, made
// by tools/gpu/parity/make_reference_t5.py on the GPU machine from the small SentencePiece model
// data/t5_tiny_spiece.model, trained here with Debian's spm_train, nmt_nfkc rules), plus the
// Viterbi, unknown-fusion, charsmap and hostile-file behaviour on hand-made files.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/models/t5/sentencepiece_prompt_tokenizer.h"
#include "core/models/t5/t5_prompt_tokenizer.h"
#include "core/text/unigram_tokenizer.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

const std::string kData = DRF_T5_TEST_DATA;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

// A hand-made T5-style file: the converted-SentencePiece normalizer and pre-tokenizer (no
// charsmap), pieces with chosen log-probabilities.
std::string tiny_json(const std::vector<std::pair<std::string, double>>& pieces, const nlohmann::json& extra = {}) {
  nlohmann::json vocab = nlohmann::json::array({{"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}});
  for (const auto& [p, s] : pieces) vocab.push_back({p, s});
  nlohmann::json j{
      {"added_tokens",
       {{{"id", 0}, {"content", "<pad>"}, {"special", true}}, {{"id", 1}, {"content", "</s>"}, {"special", true}}}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}},
          {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", "\xE2\x96\x81"}}}}}},
      {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}}},
      {"post_processor", {{"type", "TemplateProcessing"}}},
      {"model", {{"type", "Unigram"}, {"unk_id", 2}, {"vocab", vocab}}}};
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j.dump();
}

}  // namespace

TEST(UnigramTokenizer, MatchesT5TokenizerFastOnTrickyPrompts) {
  const std::string dir = kData + "/t5_tokenizer";
  const auto tokenizer = std::dynamic_pointer_cast<T5PromptTokenizer>(load_t5_tokenizer_folder(dir));
  ASSERT_TRUE(tokenizer) << "tokenizer.json must be read by our Unigram tokenizer";
  const auto golden = read_json(dir + "/golden.json");
  ASSERT_GE(golden.at("cases").size(), 20u);
  for (const auto& c : golden.at("cases")) {
    const std::string prompt = c.at("prompt");
    const auto expected = c.at("ids").get<std::vector<int>>();
    EXPECT_EQ(tokenizer->tokenizer().encode(prompt), expected) << "prompt: " << prompt;
    const auto padded = tokenizer->encode(prompt, 256);
    const auto expected_padded = c.at("padded_256").get<std::vector<int64_t>>();
    EXPECT_EQ(padded.ids, expected_padded) << "prompt: " << prompt;
    EXPECT_EQ(padded.truncated, expected.size() > 256) << "prompt: " << prompt;
  }
}

TEST(UnigramTokenizer, ViterbiTakesTheMostProbableSegmentation) {
  const std::string s = "\xE2\x96\x81";
  auto t = UnigramTokenizer::from_json_text(
      tiny_json({{s, -2.0}, {"a", -3.0}, {"b", -3.0}, {"ab", -5.5}, {s + "a", -4.0}, {s + "ab", -12.0}}), "tiny");
  // "▁ab": ▁a + b = -7, ▁ + ab = -7.5, ▁ab = -12, ▁ + a + b = -8 -> [▁a, b].
  EXPECT_EQ(t.tokenize("ab"), (std::vector<int>{7, 5}));
  EXPECT_EQ(t.encode("ab"), (std::vector<int>{7, 5, 1}));
  // Spaces: runs collapse, trailing ones are stripped, each word starts with ▁.
  EXPECT_EQ(t.tokenize("ab   b  "), (std::vector<int>{7, 5, 3, 5}));
  EXPECT_EQ(t.decode(t.tokenize("ab b")), "ab b");
}

TEST(UnigramTokenizer, UnknownRunsFuseIntoOneUnkToken) {
  const std::string s = "\xE2\x96\x81";
  auto t = UnigramTokenizer::from_json_text(tiny_json({{s, -2.0}, {"a", -3.0}}), "tiny");
  EXPECT_EQ(t.tokenize("xyz"), (std::vector<int>{3, 2}));        // ▁, <unk> for "xyz"
  EXPECT_EQ(t.tokenize("axyza"), (std::vector<int>{3, 4, 2, 4}));  // ▁ a <unk> a
  EXPECT_EQ(t.tokenize("a\xC3\xA9"), (std::vector<int>{3, 4, 2}));
}

TEST(UnigramTokenizer, AddedTokensAreSplitOutOfTheRawText) {
  const std::string s = "\xE2\x96\x81";
  auto t = UnigramTokenizer::from_json_text(tiny_json({{s, -2.0}, {"a", -3.0}}), "tiny");
  EXPECT_EQ(t.tokenize("a</s>a"), (std::vector<int>{3, 4, 1, 3, 4}));
  EXPECT_EQ(t.decode({3, 4, 1, 3, 4}), "a a");
}

TEST(UnigramTokenizer, PaddingAndTruncationKeepTheEndToken) {
  const std::string s = "\xE2\x96\x81";
  auto t = UnigramTokenizer::from_json_text(tiny_json({{s, -2.0}, {"a", -3.0}, {s + "a", -1.0}}), "tiny");
  auto e = t.encode_padded("a a", 6);
  EXPECT_EQ(e.ids, (std::vector<int>{5, 5, 1, 0, 0, 0}));
  EXPECT_FALSE(e.truncated);
  e = t.encode_padded("a a a a a", 3);
  EXPECT_EQ(e.ids, (std::vector<int>{5, 5, 1}));
  EXPECT_TRUE(e.truncated);
  EXPECT_EQ(e.prompt_tokens, 5);
  EXPECT_EQ(e.dropped_text, "a a a");
  EXPECT_THROW(t.encode_padded("a", 0), UsageError);
}

// The precompiled nmt_nfkc map of the committed tokenizer.json (T5's rules): compatibility
// characters fold (full-width, ligatures, circled digits), combining sequences compose,
// unusual spaces become spaces.
TEST(UnigramTokenizer, PrecompiledCharsmapAppliesNfkcRules) {
  const auto j = read_json(kData + "/t5_tokenizer/tokenizer.json");
  const nlohmann::json* pre = nullptr;
  for (const auto& n : j.at("normalizer").at("normalizers"))
    if (n.at("type") == "Precompiled") pre = &n;
  ASSERT_NE(pre, nullptr);
  const auto map = PrecompiledCharsmap::from_base64(pre->at("precompiled_charsmap").get<std::string>(), "map");
  EXPECT_EQ(map.normalize("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\x91"), "AB1");  // ＡＢ１
  EXPECT_EQ(map.normalize("\xEF\xAC\x81"), "fi");                          // ﬁ
  EXPECT_EQ(map.normalize("\xE2\x91\xA0"), "1");                           // ①
  EXPECT_EQ(map.normalize("e\xCC\x81"), "\xC3\xA9");                       // e + U+0301 -> é
  EXPECT_EQ(map.normalize("a\xC2\xA0" "b"), "a b");                       // no-break space
  EXPECT_EQ(map.normalize("plain ascii 123"), "plain ascii 123");
}

TEST(UnigramTokenizer, HostileFilesAreRefusedByName) {
  auto refused = [](const std::string& text, const std::string& needle) {
    try {
      UnigramTokenizer::from_json_text(text, "bad.json");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
    }
  };
  refused("{", "bad.json");
  refused(R"({"model": {"type": "BPE", "vocab": {}}})", "not Unigram");
  using J = nlohmann::json;
  auto unigram = [](int unk, J entry) {
    return J{{"type", "Unigram"}, {"unk_id", unk}, {"vocab", J::array({entry})}};
  };
  refused(tiny_json({}, {{"model", unigram(99, J::array({"</s>", 0.0}))}}), "unk_id");
  refused(tiny_json({}, {{"model", unigram(0, J::array({"x", "high"}))}}), "vocab entry 0");
  refused(tiny_json({}, {{"normalizer", {{"type", "NFKD"}}}}), "normalizer 'NFKD'");
  refused(tiny_json({}, {{"normalizer", {{"type", "Precompiled"}, {"precompiled_charsmap", "!!!"}}}}), "base64");
  refused(tiny_json({}, {{"normalizer", {{"type", "Precompiled"}, {"precompiled_charsmap", "/////w=="}}}}),
          "does not fit");
  refused(tiny_json({}, {{"pre_tokenizer", {{"type", "ByteLevel"}}}}), "pre_tokenizer 'ByteLevel'");
  refused(tiny_json({}, {{"added_tokens", {{{"id", 4000}, {"content", "x"}}}}}), "outside the vocabulary");
  refused(tiny_json({}, {{"model", unigram(0, J::array({"<unk>", 0.0}))}, {"added_tokens", J::array()}}), "</s>");
}

TEST(UnigramTokenizer, FolderWithoutTokenizerJsonSaysWhatIsNeeded) {
  try {
    load_t5_tokenizer_folder(kData);  // holds t5_tiny_spiece.model but no tokenizer.json
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
}

// The optional SentencePiece path (builds with libsentencepiece-dev): spiece.model gives the
// library's own ids (data/t5_spiece_golden.json, made here with Debian's SentencePiece 0.1.97),
// then EOS and padding.
TEST(UnigramTokenizer, SpieceModelThroughTheSentencePieceLibrary) {
  if (!sentencepiece_available()) {
    EXPECT_THROW(load_sentencepiece_tokenizer(kData + "/t5_tiny_spiece.model"), InputError);
    GTEST_SKIP() << "this build has no SentencePiece library (optional)";
  }
  const auto t = load_sentencepiece_tokenizer(kData + "/t5_tiny_spiece.model");
  const auto golden = read_json(kData + "/t5_spiece_golden.json");
  for (const auto& c : golden.at("cases")) {
    auto expected = c.at("ids").get<std::vector<int64_t>>();
    if (expected.size() > 255) expected.resize(255);
    expected.push_back(1);
    expected.resize(256, 0);
    EXPECT_EQ(t->encode(c.at("prompt").get<std::string>(), 256).ids, expected) << c.at("prompt");
  }
}

// Files converted by older transformers: no Strip/Replace, a WhitespaceSplit + Metaspace
// (add_prefix_space) pre-tokenizer: every whitespace-separated word gets its own "▁".
TEST(UnigramTokenizer, OlderWhitespaceSplitMetaspaceForm) {
  const std::string s = "\xE2\x96\x81";
  nlohmann::json pre{{"type", "Sequence"},
                     {"pretokenizers",
                      {{{"type", "WhitespaceSplit"}},
                       {{"type", "Metaspace"}, {"replacement", s}, {"add_prefix_space", true}}}}};
  auto t = UnigramTokenizer::from_json_text(
      tiny_json({{s, -2.0}, {"a", -3.0}, {s + "a", -1.0}}, {{"normalizer", nullptr}, {"pre_tokenizer", pre}}), "old");
  EXPECT_EQ(t.tokenize("  a \t\n a  "), (std::vector<int>{5, 5}));
  EXPECT_EQ(t.tokenize("aa"), (std::vector<int>{5, 4}));
}
