#include "core/text/bpe.h"

#include <limits>

#include "core/util/utf8.h"

namespace drf {
namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes
// map in order to U+0100, U+0101, ...
std::array<char32_t, 256> make_byte_map() {
  std::array<char32_t, 256> map{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    map[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return map;
}

const std::array<char32_t, 256>& byte_map() {
  static const std::array<char32_t, 256> map = make_byte_map();
  return map;
}

std::uint64_t pair_key(int a, int b) {
  return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b);
}

}  // namespace

const std::array<std::string, 256>& byte_level_symbols() {
  static const std::array<std::string, 256> symbols = [] {
    std::array<std::string, 256> s;
    for (int b = 0; b < 256; ++b) append_utf8(s[b], byte_map()[b]);
    return s;
  }();
  return symbols;
}

int byte_level_byte(char32_t cp) {
  if (cp < 256) return byte_map()[cp] == cp ? static_cast<int>(cp) : -1;
  for (int b = 0; b < 256; ++b)
    if (byte_map()[b] == cp) return b;
  return -1;
}

BpeMerges::BpeMerges(const std::vector<std::pair<std::string, std::string>>& merges) {
  for (int b = 0; b < 256; ++b) {
    byte_symbol_[b] = intern(byte_level_symbols()[b]);
    byte_symbol_end_[b] = intern(byte_level_symbols()[b] + "</w>");
  }
  for (std::size_t r = 0; r < merges.size(); ++r) {
    const int a = intern(merges[r].first), b = intern(merges[r].second);
    const int merged = intern(merges[r].first + merges[r].second);
    merges_[pair_key(a, b)] = Merge{static_cast<int>(r), merged};
  }
}

int BpeMerges::intern(const std::string& s) {
  auto [it, added] = ids_.emplace(s, static_cast<int>(symbols_.size()));
  if (added) symbols_.push_back(s);
  return it->second;
}

std::vector<int> BpeMerges::apply(const std::string& word_bytes) const {
  std::vector<int> word;
  word.reserve(word_bytes.size());
  for (std::size_t i = 0; i < word_bytes.size(); ++i) {
    const auto b = static_cast<std::uint8_t>(word_bytes[i]);
    word.push_back(i + 1 == word_bytes.size() ? byte_symbol_end_[b] : byte_symbol_[b]);
  }
  std::vector<int> next;
  while (word.size() > 1) {
    // The lowest-ranked pair present anywhere in the word.
    const Merge* best = nullptr;
    std::uint64_t best_key = 0;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = merges_.find(pair_key(word[i], word[i + 1]));
      if (it != merges_.end() && (!best || it->second.rank < best->rank)) {
        best = &it->second;
        best_key = it->first;
      }
    }
    if (!best) break;
    const int first = static_cast<int>(best_key >> 32), second = static_cast<int>(best_key & 0xFFFFFFFFu);
    next.clear();
    for (std::size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        next.push_back(best->merged);
        i += 2;
      } else {
        next.push_back(word[i++]);
      }
    }
    word.swap(next);
  }
  return word;
}

}  // namespace drf
