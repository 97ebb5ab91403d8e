#include "core/util/utf8.h"

#include "core/util/printable_text.h"

#include <cstdint>

namespace drf {
namespace {

// Decodes one code point at bytes[i]; returns the number of bytes consumed (>= 1). On an
// ill-formed sequence *cp is U+FFFD and the count covers only the maximal ill-formed subpart,
// so that decoding resumes at the first byte that could start a new character.
std::size_t decode_one(const std::string& bytes, std::size_t i, char32_t* cp, bool* bad) {
  *bad = false;
  const auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(bytes[k]); };
  const std::uint8_t lead = b(i);
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  int need;
  std::uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t value;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
    value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    value = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    value = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;  // no overlong forms
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *cp = kReplacementChar;
    *bad = true;
    return 1;
  }
  std::size_t k = 1;
  for (; k <= static_cast<std::size_t>(need); ++k) {
    if (i + k >= bytes.size()) break;
    const std::uint8_t c = b(i + k);
    const std::uint8_t min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (c < min || c > max) break;
    value = (value << 6) | (c & 0x3F);
  }
  if (k <= static_cast<std::size_t>(need)) {
    *cp = kReplacementChar;
    *bad = true;
    return k;
  }
  *cp = value;
  return k;
}

}  // namespace

std::u32string decode_utf8_lossy(const std::string& bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    char32_t cp;
    bool bad;
    i += decode_one(bytes, i, &cp, &bad);
    out.push_back(cp);
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(const std::u32string& text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

bool is_valid_utf8(const std::string& bytes, std::size_t* bad_offset) {
  for (std::size_t i = 0; i < bytes.size();) {
    char32_t cp;
    bool bad;
    const std::size_t n = decode_one(bytes, i, &cp, &bad);
    if (bad) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += n;
  }
  return true;
}

// One escaping rule for everything printed from untrusted files (core/util/printable_text.h).
std::string printable_excerpt(const std::string& text, std::size_t max_bytes) {
  return printable_text(text, LineBreaks::Escape, max_bytes);
}

}  // namespace drf
