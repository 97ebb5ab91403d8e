#include "core/util/printable_text.h"

#include <cstdint>

namespace drf {
namespace {

// Length of the well-formed UTF-8 sequence at text[i] and its code point; 0 when ill-formed
// (overlong forms, surrogates and code points above U+10FFFF count as ill-formed).
std::size_t utf8_sequence(const std::string& text, std::size_t i, char32_t* cp) {
  const auto b0 = static_cast<std::uint8_t>(text[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t n = 0;
  char32_t v = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) n = 2, v = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 3, v = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 4, v = b0 & 0x07, min = 0x10000;
  else return 0;
  if (text.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<std::uint8_t>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

}  // namespace

std::string printable_text(const std::string& text, LineBreaks breaks, std::size_t max_bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (max_bytes > 0 && out.size() >= max_bytes) {
      out += "...";
      break;
    }
    char32_t cp = 0;
    std::size_t n = utf8_sequence(text, i, &cp);
    const bool bad = n == 0;
    if (bad) n = 1;
    const bool allowed_control = cp == '\t' || (cp == '\n' && breaks == LineBreaks::Keep);
    if (bad || ((cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) && !allowed_control)) {
      for (std::size_t k = 0; k < n; ++k) {
        const auto c = static_cast<std::uint8_t>(text[i + k]);
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    } else {
      out.append(text, i, n);
    }
    i += n;
  }
  return out;
}

}  // namespace drf
