#include "core/text/clip_pretokenizer.h"

#include "core/text/unicode_classes.h"

namespace drf {
namespace {

// Simple case folding for the contraction letters (the regex is case-insensitive; U+017F long s
// folds to 's').
char32_t fold(char32_t c) {
  return c == 0x17F ? U's' : unicode::to_lower(c);
}

// Length of the literal or contraction alternative matching at text[i], 0 when none does.
std::size_t special_match(const std::u32string& text, std::size_t i) {
  static const std::u32string kSpecials[] = {U"<|startoftext|>", U"<|endoftext|>"};
  for (const auto& s : kSpecials) {
    if (text.size() - i < s.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < s.size() && same; ++k) same = fold(text[i + k]) == s[k];
    if (same) return s.size();
  }
  if (text[i] != U'\'') return 0;
  static const std::u32string kContractions[] = {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"};
  for (const auto& c : kContractions) {
    if (text.size() - i - 1 < c.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < c.size() && same; ++k) same = fold(text[i + 1 + k]) == c[k];
    if (same) return 1 + c.size();
  }
  return 0;
}

bool is_other(char32_t c) {
  return !unicode::is_whitespace(c) && !unicode::is_letter(c) && !unicode::is_number(c);
}

}  // namespace

std::vector<std::u32string> clip_pretokenize(const std::u32string& text) {
  std::vector<std::u32string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char32_t c = text[i];
    std::size_t end = i + special_match(text, i);
    if (end == i) {
      if (unicode::is_letter(c)) {
        while (end < text.size() && unicode::is_letter(text[end])) ++end;
      } else if (unicode::is_number(c)) {
        end = i + 1;
      } else if (is_other(c)) {
        while (end < text.size() && is_other(text[end])) ++end;
      } else {
        ++i;  // whitespace: no alternative matches here
        continue;
      }
    }
    out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace drf
