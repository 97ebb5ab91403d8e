#include "core/text/precompiled_charsmap.h"

#include "core/text/unicode_nfc.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {

std::string decode_base64(const std::string& text, const std::string& label) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') break;
    else throw InputError(label + ": invalid base64 character at offset " + std::to_string(i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

PrecompiledCharsmap PrecompiledCharsmap::from_base64(const std::string& text, const std::string& label) {
  return from_bytes(decode_base64(text, label), label);
}

PrecompiledCharsmap PrecompiledCharsmap::from_bytes(const std::string& bytes, const std::string& label) {
  PrecompiledCharsmap m;
  if (bytes.empty()) return m;
  if (bytes.size() < 4) throw InputError(label + ": precompiled charsmap is truncated (no trie size)");
  auto byte = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  const uint32_t trie_bytes = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
  if (trie_bytes % 4 != 0 || trie_bytes > bytes.size() - 4)
    throw InputError(label + ": precompiled charsmap trie size " + std::to_string(trie_bytes) +
                     " does not fit the " + std::to_string(bytes.size()) + "-byte map");
  m.units_.resize(trie_bytes / 4);
  for (std::size_t u = 0; u < m.units_.size(); ++u) {
    const std::size_t i = 4 + 4 * u;
    m.units_[u] = byte(i) | byte(i + 1) << 8 | byte(i + 2) << 16 | byte(i + 3) << 24;
  }
  m.strings_ = bytes.substr(4 + trie_bytes);
  return m;
}

namespace {

// darts-clone unit fields.
bool has_leaf(uint32_t unit) { return (unit >> 8) & 1; }
uint32_t unit_value(uint32_t unit) { return unit & ((1u << 31) - 1); }
uint32_t unit_label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
uint32_t unit_offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

bool extends_cluster(char32_t cp) {
  return unicode::combining_class(cp) != 0 || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xE0100 && cp <= 0xE01EF) || (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0x20D0 && cp <= 0x20FF);
}

// End (exclusive index into cps) of the approximate grapheme cluster starting at `i`.
std::size_t grapheme_end(const std::u32string& cps, std::size_t i) {
  if (cps[i] == U'\r' && i + 1 < cps.size() && cps[i + 1] == U'\n') return i + 2;
  std::size_t j = i + 1;
  while (j < cps.size()) {
    if (cps[j - 1] == 0x200D) {  // ZWJ joins the next code point (emoji sequences)
      ++j;
      continue;
    }
    if (!extends_cluster(cps[j])) break;
    ++j;
  }
  return j;
}

}  // namespace

int64_t PrecompiledCharsmap::shortest_prefix_value(const std::string& bytes, std::size_t begin, std::size_t end) const {
  if (units_.empty()) return -1;
  const std::size_t n = units_.size();
  std::size_t node = unit_offset(units_[0]);
  for (std::size_t i = begin; i < end; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    node ^= c;
    if (node >= n) return -1;
    const uint32_t unit = units_[node];
    if (unit_label(unit) != c) return -1;
    node ^= unit_offset(unit);
    if (node >= n) return -1;
    if (has_leaf(unit)) return unit_value(units_[node]);
  }
  return -1;
}

std::string PrecompiledCharsmap::replacement(int64_t offset) const {
  if (offset < 0 || static_cast<std::size_t>(offset) >= strings_.size()) return {};
  const std::size_t from = static_cast<std::size_t>(offset);
  const std::size_t nul = strings_.find('\0', from);
  return strings_.substr(from, (nul == std::string::npos ? strings_.size() : nul) - from);
}

std::string PrecompiledCharsmap::normalize(const std::string& utf8) const {
  if (units_.empty()) return utf8;
  const std::u32string cps = decode_utf8_lossy(utf8);
  std::string out;
  out.reserve(utf8.size());
  std::string cluster, one;
  for (std::size_t i = 0; i < cps.size();) {
    const std::size_t end = grapheme_end(cps, i);
    cluster.clear();
    for (std::size_t k = i; k < end; ++k) append_utf8(cluster, cps[k]);
    int64_t whole = cluster.size() < 6 ? shortest_prefix_value(cluster, 0, cluster.size()) : -1;
    if (whole >= 0 && static_cast<std::size_t>(whole) < strings_.size()) {
      out += replacement(whole);
    } else {
      for (std::size_t k = i; k < end; ++k) {
        one.clear();
        append_utf8(one, cps[k]);
        const int64_t v = shortest_prefix_value(one, 0, one.size());
        out += (v >= 0 && static_cast<std::size_t>(v) < strings_.size()) ? replacement(v) : one;
      }
    }
    i = end;
  }
  return out;
}

}  // namespace drf
