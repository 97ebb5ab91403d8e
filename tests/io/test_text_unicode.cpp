// The text layer under the tokenizer: lossy UTF-8 decoding, code point classes, lowercase,
// prompt cleanup and CLIP pre-tokenisation.
#include <gtest/gtest.h>

#include "core/text/clip_pretokenizer.h"
#include "core/text/clip_text_cleanup.h"
#include "core/text/unicode_classes.h"
#include "core/text/unicode_nfc.h"
#include "core/util/utf8.h"

using namespace drf;

TEST(Utf8, DecodesAndReplacesIllFormedSequences) {
  EXPECT_EQ(decode_utf8_lossy("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\xA5"), (std::u32string{U'a', 0xE9, 0x20AC, 0x1F525}));
  // One U+FFFD per maximal ill-formed subpart (Unicode 3.9, "best practice").
  EXPECT_EQ(decode_utf8_lossy("\xE2\x82"
                              "A"),
            (std::u32string{0xFFFD, U'A'}));
  EXPECT_EQ(decode_utf8_lossy("\xFF\xFE"), (std::u32string{0xFFFD, 0xFFFD}));
  EXPECT_EQ(decode_utf8_lossy("\xC0\xAF"), (std::u32string{0xFFFD, 0xFFFD}));              // overlong '/'
  EXPECT_EQ(decode_utf8_lossy("\xED\xA0\x80"), (std::u32string{0xFFFD, 0xFFFD, 0xFFFD}));  // surrogate
  EXPECT_EQ(decode_utf8_lossy("\xF4\x90\x80\x80"), (std::u32string(4, 0xFFFD)));           // above U+10FFFF
  EXPECT_EQ(decode_utf8_lossy("\xF0\x9F\x94"), (std::u32string{0xFFFD}));                  // truncated at the end
  EXPECT_EQ(encode_utf8(U"a\u00e9\u20ac\U0001F525"), "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\xA5");
  std::size_t bad = 0;
  EXPECT_TRUE(is_valid_utf8("plain \xEF\xBF\xBD text"));
  EXPECT_FALSE(
      is_valid_utf8("ok\xF0\x9F\x94"
                    "A",
                    &bad));
  EXPECT_EQ(bad, 2u);
}

TEST(Utf8, PrintableExcerptEscapesAndCuts) {
  EXPECT_EQ(printable_excerpt("a\x1b[0m\xff"), "a\\x1b[0m\\xff");
  EXPECT_EQ(printable_excerpt("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(printable_excerpt(std::string(500, 'x'), 10), std::string(10, 'x') + "...");
}

TEST(UnicodeClasses, LettersNumbersSpaces) {
  for (char32_t c : std::u32string{U'a', U'Z', 0xE9, 0x3A9, 0x43F, 0x65E5, 0x30C6, 0x1C5, 0x5D0})
    EXPECT_TRUE(unicode::is_letter(c)) << c;
  for (char32_t c : std::u32string{U'1', U'_', U' ', 0x301, 0x1F525, 0xB2, 0x2013})
    EXPECT_FALSE(unicode::is_letter(c)) << c;
  for (char32_t c : std::u32string{U'0', U'9', 0xB2, 0xBD, 0x661, 0x2163}) EXPECT_TRUE(unicode::is_number(c)) << c;
  for (char32_t c : std::u32string{U'a', U'.', 0x1F525}) EXPECT_FALSE(unicode::is_number(c)) << c;
  for (char32_t c : std::u32string{U' ', U'\t', U'\n', 0x85, 0xA0, 0x2003, 0x3000, 0x1F})
    EXPECT_TRUE(unicode::is_whitespace(c)) << c;
  for (char32_t c : std::u32string{U'a', 0x200B, 0xFEFF}) EXPECT_FALSE(unicode::is_whitespace(c)) << c;
  EXPECT_TRUE(unicode::is_control(0));
  EXPECT_TRUE(unicode::is_control(0x7F));
  EXPECT_TRUE(unicode::is_control(0x1C));  // whitespace to str.isspace(), dropped by ftfy
  EXPECT_TRUE(unicode::is_control(0x9F));
  EXPECT_TRUE(unicode::is_cased(U'A') && unicode::is_cased(0x3A3) && unicode::is_cased(0xAA));
  EXPECT_FALSE(unicode::is_cased(0x30AD) || unicode::is_cased(U'1') || unicode::is_cased(0x345));
  for (char32_t c : std::u32string{U'\'', U'.', 0x301, 0x345, 0x2B0}) EXPECT_TRUE(unicode::is_case_ignorable(c)) << c;
  EXPECT_FALSE(unicode::is_case_ignorable(U'a') || unicode::is_case_ignorable(U' '));
  for (char32_t c : std::u32string{U'\t', U'\n', U'\v', U'\f', U'\r', 0x85, U' ', U'a'})
    EXPECT_FALSE(unicode::is_control(c)) << c;
}

TEST(UnicodeNfc, ComposesReordersAndLeavesExclusions) {
  using unicode::to_nfc;
  EXPECT_EQ(to_nfc(U"Cafe\u0301 A\u030A"), U"Caf\u00E9 \u00C5");
  EXPECT_EQ(to_nfc(U"\u212B \u2126"), U"\u00C5 \u03A9");            // singletons decompose and stay so
  EXPECT_EQ(to_nfc(U"e\u0327\u0301"), U"\u0229\u0301");              // cedilla (class 202) first
  EXPECT_EQ(to_nfc(U"e\u0301\u0327"), U"\u0229\u0301");              // reordered, then the same
  EXPECT_EQ(to_nfc(U"a\u0301\u0301"), U"\u00E1\u0301");              // the second mark is blocked
  EXPECT_EQ(to_nfc(U"\u0958 \u0344"), U"\u0915\u093C \u0308\u0301");  // composition exclusions
  EXPECT_EQ(to_nfc(U"\u1100\u1161\u11A8 \uAC00\u11A8"), U"\uAC01 \uAC01");  // Hangul
  EXPECT_EQ(to_nfc(U"\u0301a"), U"\u0301a");                           // a leading mark stays
  EXPECT_EQ(to_nfc(U"plain ascii"), U"plain ascii");
  EXPECT_EQ(unicode::combining_class(0x301), 230);
  EXPECT_EQ(unicode::combining_class(U'a'), 0);
}

TEST(UnicodeClasses, Lowercase) {
  const std::pair<char32_t, char32_t> cases[] = {{U'A', U'a'},   {0xC9, 0xE9},   {0xDE, 0xFE},     {0x100, 0x101},
                                                 {0x141, 0x142}, {0x178, 0xFF},  {0x1C5, 0x1C6},   {0x391, 0x3B1},
                                                 {0x3A3, 0x3C3}, {0x388, 0x3AD}, {0x410, 0x430},   {0x401, 0x451},
                                                 {0x1E9E, 0xDF}, {0x212A, U'k'}, {0xFF21, 0xFF41}, {0x10400, 0x10428}};
  for (auto [upper, lower] : cases) EXPECT_EQ(unicode::to_lower(upper), lower) << std::hex << upper;
  for (char32_t c : std::u32string{U'a', U'1', 0xDF, 0x101, 0x3B1, 0x65E5}) EXPECT_EQ(unicode::to_lower(c), c);
}

TEST(ClipTextCleanup, WhitespaceCaseEntitiesAndControls) {
  EXPECT_EQ(clean_clip_text("  A\t\tPhoto\n of\u00a0 CATS  "), U"a photo of cats");
  EXPECT_EQ(clean_clip_text("Tom &amp; Jerry &lt;3 &amp;amp; &#39;x&#x27;"), U"tom & jerry <3 & 'x'");
  EXPECT_EQ(clean_clip_text("&bogus; & &#xZZ; &#0; &#99999999;"), U"&bogus; & &#xzz; \uFFFD \uFFFD");
  EXPECT_EQ(clean_clip_text("a&nbsp;&nbsp;b"), U"a b");
  EXPECT_EQ(clean_clip_text(std::string("a\0b\x1b\x7f"
                                        "c",
                                        6)),
            U"abc");
  EXPECT_EQ(clean_clip_text("İ ΟΔΟΣ Σ"), U"i\u0307 οδος σ");
  EXPECT_EQ(clean_clip_text("ΑΣキ ΑΣ'Α ΑΣ'"), U"ας\u30ad ασ'α ας'");  // Final_Sigma: cased, case-ignorable
  EXPECT_EQ(clean_clip_text("E\u0301TE\u0301 a\x1c" "b"), U"\u00E9t\u00E9 ab");  // NFC; U+001C dropped
  EXPECT_EQ(clean_clip_text(""), U"");
}

TEST(ClipPretokenizer, SplitsLikeTheClipRegex) {
  const auto split = [](const std::u32string& s) { return clip_pretokenize(s); };
  using V = std::vector<std::u32string>;
  EXPECT_EQ(split(U"don't it's we're i've i'm you'll he'd"),
            (V{U"don", U"'t", U"it", U"'s", U"we", U"'re", U"i", U"'ve", U"i", U"'m", U"you", U"'ll", U"he", U"'d"}));
  EXPECT_EQ(split(U"(masterpiece:1.2), [dog]"),
            (V{U"(", U"masterpiece", U":", U"1", U".", U"2", U"),", U"[", U"dog", U"]"}));
  EXPECT_EQ(split(U"a<|endoftext|>b!<|startoftext|>"),
            (V{U"a", U"<|endoftext|>", U"b", U"!<|", U"startoftext", U"|>"}));
  EXPECT_EQ(split(U"'hello' 'x"), (V{U"'", U"hello", U"'", U"'", U"x"}));
  EXPECT_EQ(split(U"2024年 café\u0301 \U0001F525\U0001F431!"),
            (V{U"2", U"0", U"2", U"4", U"年", U"café", U"\u0301", U"\U0001F525\U0001F431!"}));
  EXPECT_EQ(split(U"   "), V{});
}
