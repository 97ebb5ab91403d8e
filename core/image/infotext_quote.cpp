// JSON string quoting for infotext values. Hand-written (no JSON library) because the infotext
// parser is fuzzed on its own and must stay dependency-free.
#include <cstdint>
#include <string>

#include "core/image/infotext.h"

namespace drf {
namespace {

bool needs_quoting(const std::string& v) {
  if (!v.empty() && v.front() == '"') return true;  // would otherwise be mistaken for a quoted value
  for (unsigned char c : v)
    if (c == ',' || c == ':' || c < 0x20) return true;
  return false;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Four hex digits at s[i..i+4); false when malformed.
bool read_hex4(const std::string& s, std::size_t i, std::uint32_t& out) {
  if (i + 4 > s.size()) return false;
  out = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    out <<= 4;
    if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
    else return false;
  }
  return true;
}

// Decodes the JSON string literal `s` (quotes included). False when it is not exactly one.
bool decode_json_string(const std::string& s, std::string& out) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  out.clear();
  const std::size_t end = s.size() - 1;
  for (std::size_t i = 1; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c < 0x20) return false;  // an unescaped quote or raw control character
    if (c != '\\') {
      out += static_cast<char>(c);
      continue;
    }
    if (++i >= end) return false;
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        // The closing quote is not a hex digit, so read_hex4 never reads past the literal.
        std::uint32_t cp = 0;
        if (!read_hex4(s, i + 1, cp)) return false;
        i += 4;
        std::uint32_t low = 0;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < end && s[i + 1] == '\\' && s[i + 2] == 'u' &&
            read_hex4(s, i + 3, low) && low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD;  // a lone surrogate cannot be written as UTF-8
        }
        append_utf8(out, cp);
        break;
      }
      default: return false;
    }
  }
  return true;
}

}  // namespace

std::string quote_infotext_value(const std::string& value) {
  return needs_quoting(value) ? json_quote(value) : value;
}

std::string json_quote(const std::string& value) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string unquote_infotext_value(const std::string& value) {
  std::string decoded;
  return decode_json_string(value, decoded) ? decoded : value;
}

}  // namespace drf
