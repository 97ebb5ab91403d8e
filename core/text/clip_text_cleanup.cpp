#include "core/text/clip_text_cleanup.h"

#include "core/text/unicode_classes.h"
#include "core/text/unicode_nfc.h"
#include "core/util/utf8.h"

namespace drf {
namespace {

struct NamedEntity {
  const char32_t* name;  // without '&' and ';'
  char32_t value;
};
constexpr NamedEntity kEntities[] = {{U"amp", U'&'},  {U"lt", U'<'},    {U"gt", U'>'},
                                     {U"quot", U'"'}, {U"apos", U'\''}, {U"nbsp", 0xA0}};

// Parses "#123" or "#x7B" (the part between '&' and ';'); false when it is not a number.
bool numeric_entity(const std::u32string& body, char32_t* out) {
  if (body.size() < 2 || body[0] != U'#') return false;
  const bool hex = body[1] == U'x' || body[1] == U'X';
  const std::size_t start = hex ? 2 : 1;
  if (start >= body.size()) return false;
  std::uint32_t v = 0;
  for (std::size_t i = start; i < body.size(); ++i) {
    const char32_t c = body[i];
    int digit;
    if (c >= U'0' && c <= U'9')
      digit = static_cast<int>(c - U'0');
    else if (hex && (c | 0x20) >= U'a' && (c | 0x20) <= U'f')
      digit = static_cast<int>((c | 0x20) - U'a' + 10);
    else
      return false;
    v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
    if (v > 0x10FFFF) v = 0x110000;  // saturate: stays invalid, never overflows
  }
  const bool invalid = v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF);
  *out = invalid ? kReplacementChar : static_cast<char32_t>(v);
  return true;
}

// Python's str.lower() (and JavaScript's toLowerCase) turn a capital sigma into a final sigma
// when a cased character precedes it and none follows, case-ignorable characters (apostrophes,
// combining marks, ...) skipped on both sides: Unicode's Final_Sigma condition.
bool is_final_sigma(const std::u32string& text, std::size_t i) {
  std::size_t before = i;
  while (before > 0 && unicode::is_case_ignorable(text[before - 1])) --before;
  if (before == 0 || !unicode::is_cased(text[before - 1])) return false;
  std::size_t after = i + 1;
  while (after < text.size() && unicode::is_case_ignorable(text[after])) ++after;
  return after == text.size() || !unicode::is_cased(text[after]);
}

}  // namespace

std::u32string html_unescape(const std::u32string& text) {
  constexpr std::size_t kMaxEntity = 10;  // "&#x10FFFF;" is the longest form we accept
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != U'&') {
      out.push_back(text[i]);
      continue;
    }
    const std::size_t semi = text.find(U';', i + 1);
    if (semi == std::u32string::npos || semi - i > kMaxEntity) {
      out.push_back(U'&');
      continue;
    }
    const std::u32string body = text.substr(i + 1, semi - i - 1);
    char32_t value = 0;
    bool known = numeric_entity(body, &value);
    for (const auto& e : kEntities)
      if (!known && body == e.name) {
        value = e.value;
        known = true;
      }
    if (!known) {
      out.push_back(U'&');
      continue;
    }
    out.push_back(value);
    i = semi;
  }
  return out;
}

std::u32string clean_clip_text(const std::string& utf8_text) {
  const std::u32string text = html_unescape(html_unescape(unicode::to_nfc(decode_utf8_lossy(utf8_text))));
  std::u32string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (unicode::is_control(c)) continue;
    if (unicode::is_whitespace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    if (c == 0x130) {  // 'İ' lowercases to "i" + combining dot above
      out.push_back(U'i');
      out.push_back(0x307);
    } else if (c == 0x3A3 && is_final_sigma(text, i)) {
      out.push_back(0x3C2);
    } else {
      out.push_back(unicode::to_lower(c));
    }
  }
  return out;
}

}  // namespace drf
