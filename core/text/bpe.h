// Byte-level BPE as GPT-2 and CLIP use it. Each UTF-8 byte of a pre-token maps to one printable
// code point (bytes_to_unicode), "</w>" is appended to the last symbol, and merges are applied
// lowest rank first, every occurrence of the chosen pair left to right, until no pair has a rank
// (the algorithm of transformers' CLIPTokenizer.bpe). Symbols are interned as integers so a merge
// lookup is one hash probe.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace drf {

// UTF-8 of the printable code point that stands for byte b (bytes_to_unicode()[b]).
const std::array<std::string, 256>& byte_level_symbols();
// The inverse: byte-level symbol code point -> byte, or -1.
int byte_level_byte(char32_t cp);

class BpeMerges {
 public:
  // `merges` in rank order (rank = index). A repeated pair keeps its last rank, as in Python.
  explicit BpeMerges(const std::vector<std::pair<std::string, std::string>>& merges);

  // Symbol ids for one pre-token given as UTF-8 bytes (non-empty).
  std::vector<int> apply(const std::string& word_bytes) const;
  const std::string& symbol(int id) const { return symbols_[static_cast<std::size_t>(id)]; }
  std::size_t symbol_count() const { return symbols_.size(); }

 private:
  int intern(const std::string& s);
  struct Merge {
    int rank, merged;
  };
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<std::uint64_t, Merge> merges_;         // key: (left << 32) | right
  std::array<int, 256> byte_symbol_{}, byte_symbol_end_{};  // plain / with "</w>"
};

}  // namespace drf
