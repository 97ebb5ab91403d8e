// Broken and hostile tokenizer files: each gives an InputError naming the file and the problem.
#include <gtest/gtest.h>

#include "core/text/clip_tokenizer.h"
#include "io_test_util.h"

using namespace drf;

#define EXPECT_MENTIONS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << (msg)

namespace {

const std::string kVocab =
    R"({"a": 0, "b": 1, "a</w>": 2, "b</w>": 3, "ab</w>": 4, "<|startoftext|>": 5, "<|endoftext|>": 6})";
const std::string kMerges = "#version: 0.2\na b</w>\n";

std::string error_for(const std::string& vocab, const std::string& merges) {
  return test::input_error_of([&] { ClipTokenizer::from_text(vocab, merges, "tok"); });
}

}  // namespace

TEST(TokenizerFiles, AMinimalVocabularyWorks) {
  const auto tok = ClipTokenizer::from_text(kVocab, kMerges, "tok");
  EXPECT_EQ(tok.encode("ab b"), (std::vector<int>{5, 4, 3, 6}));
  EXPECT_EQ(tok.encode("x"), (std::vector<int>{5, 6, 6}));  // unknown symbols map to <|endoftext|> (CLIP's unk)
}

TEST(TokenizerFiles, BadVocabularies) {
  EXPECT_MENTIONS(error_for("[1, 2]", kMerges), "tok vocab.json: expected a token -> id map");
  EXPECT_MENTIONS(error_for(R"({"a": -1, "<|startoftext|>": 5, "<|endoftext|>": 6})", kMerges), "token 'a' has id -1");
  EXPECT_MENTIONS(error_for(R"({"a": 99999999999, "<|startoftext|>": 5, "<|endoftext|>": 6})", kMerges),
                  "token 'a' has id");
  EXPECT_MENTIONS(error_for(R"({"a": "1", "<|startoftext|>": 5, "<|endoftext|>": 6})", kMerges), "token 'a'");
  EXPECT_MENTIONS(error_for(R"({"a": {"b": 1}})", kMerges), "nests deeper");
  EXPECT_MENTIONS(error_for(R"({"a": 0, "<|endoftext|>": 6})", kMerges), "has no '<|startoftext|>' token");
  EXPECT_MENTIONS(error_for(std::string(100000, '['), kMerges), "nests deeper");
  EXPECT_MENTIONS(error_for("{\"\xff\": 1}", kMerges), "UTF-8");
}

TEST(TokenizerFiles, BadMerges) {
  EXPECT_MENTIONS(error_for(kVocab, "#version: 0.2\na b c\n"), "tok merges.txt: line 2");
  EXPECT_MENTIONS(error_for(kVocab, "#version: 0.2\na b\nlonely\n"), "line 3 ('lonely') is not two symbols");
  EXPECT_MENTIONS(error_for(kVocab, "#version: 0.2\na b\n\xff\xfe x\n"), "ill-formed UTF-8 at line 3");
  // Only the first line is skipped (like transformers); an empty file has no merges at all.
  EXPECT_NO_THROW(ClipTokenizer::from_text(kVocab, "", "tok"));
  EXPECT_NO_THROW(ClipTokenizer::from_text(kVocab, "#version: 0.2\r\na b</w>\r\n", "tok"));  // CRLF
}

TEST(TokenizerFiles, MissingOversizedAndFolderFiles) {
  test::ScratchDir dir;
  test::write_bytes(dir.file("vocab.json"), kVocab);
  test::write_bytes(dir.file("merges.txt"), kMerges);
  EXPECT_NO_THROW(ClipTokenizer(dir.file("vocab.json"), dir.file("merges.txt")));
  EXPECT_MENTIONS(test::input_error_of([&] { ClipTokenizer(dir.file("none.json"), dir.file("merges.txt")); }),
                  dir.file("none.json") + ": no such file");
  EXPECT_MENTIONS(test::input_error_of([&] { ClipTokenizer(dir.file("vocab.json"), dir.path().string()); }),
                  "is a directory");
  test::write_bytes(dir.file("big.txt"), std::string((16u << 20) + 1, 'a'));
  EXPECT_MENTIONS(test::input_error_of([&] { ClipTokenizer(dir.file("vocab.json"), dir.file("big.txt")); }),
                  "above the 16 MB limit");
}
