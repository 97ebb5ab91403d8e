// SentencePiece's precompiled normalisation map (the "nmt_nfkc" rules T5 ships in spiece.model
// and, base64-encoded, as the "Precompiled" normalizer of tokenizer.json): a darts-clone
// double-array trie over UTF-8 keys whose values are offsets of NUL-terminated replacement
// strings. Layout: uint32 LE trie size in bytes, the trie's uint32 units, then the strings.
//
// normalize() follows the tokenizers library (spm_precompiled), which is what
// T5TokenizerFast runs: the text is cut into grapheme clusters; a cluster shorter than 6 bytes
// is replaced whole when a prefix of it is a key (the shortest such key decides), otherwise each
// code point is replaced when it is a key and kept when not. Grapheme clusters are approximated
// (see grapheme_end in the .cpp): a base code point plus following combining marks (canonical
// combining class != 0), ZERO WIDTH JOINER / variation selectors / emoji modifiers, and CR LF.
// Only clusters under 6 bytes take the whole-cluster path, so the approximation matters only for
// a 1-2 byte base letter followed by a mark that is not covered here.
//
// The map is untrusted input: every index is bounds-checked and a malformed map is an
// InputError naming `label`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace drf {

class PrecompiledCharsmap {
 public:
  PrecompiledCharsmap() = default;  // empty: normalize() is the identity
  static PrecompiledCharsmap from_bytes(const std::string& bytes, const std::string& label);
  static PrecompiledCharsmap from_base64(const std::string& text, const std::string& label);

  std::string normalize(const std::string& utf8) const;
  bool empty() const { return units_.empty(); }

 private:
  // Offset of the replacement of the shortest key that is a prefix of bytes[begin, end), or -1.
  int64_t shortest_prefix_value(const std::string& bytes, std::size_t begin, std::size_t end) const;
  std::string replacement(int64_t offset) const;
  std::vector<uint32_t> units_;
  std::string strings_;
};

// Standard base64 (RFC 4648, '=' padding optional); InputError naming `label` on a bad digit.
std::string decode_base64(const std::string& text, const std::string& label);

}  // namespace drf
