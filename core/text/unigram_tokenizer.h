// A SentencePiece Unigram tokenizer read from a Hugging Face tokenizer.json (the fast-tokenizer
// file diffusers ships in an SD3 folder's tokenizer_3/, T5TokenizerFast), equivalent to the
// tokenizers library for the components T5 files use:
//   added tokens   split out of the raw text first (never normalised; lstrip/rstrip honoured),
//   normalizer     Sequence of Precompiled (precompiled_charsmap.h), Strip, Replace (a string, or
//                  the regex " {2,}" every converted SentencePiece file uses), Prepend, Lowercase;
//   pre_tokenizer  Sequence of WhitespaceSplit and Metaspace (replacement, add_prefix_space or
//                  prepend_scheme always/first/never, split);
//   model          Unigram: Viterbi over the vocabulary's log-probabilities, unknown spans fused
//                  into one unk_id scored (lowest score - 10), as tokenizers does;
// then the end-of-sequence token appended (T5's post-processor "$A </s>"). Anything else in the
// file is an InputError naming the component, not silently ignored.
//
// The file is untrusted: sizes and ids are checked, errors name the file. Encoding never fails
// (ill-formed UTF-8 becomes U+FFFD) and its cost is linear in the prompt (kMaxPromptBytes).
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text/precompiled_charsmap.h"

namespace drf {

struct UnigramEncoding {
  std::vector<int> ids;      // exactly `context` ids: tokens, EOS, padding
  int prompt_tokens = 0;     // tokens the whole prompt needed (without EOS)
  bool truncated = false;    // tokens were dropped to fit the context
  std::string dropped_text;  // the dropped part, decoded, for the warning
};

class UnigramTokenizer {
 public:
  static constexpr std::size_t kMaxPromptBytes = 64 * 1024;  // prompts are cut beyond this
  static constexpr std::size_t kMaxPieceBytes = 1024;        // longer vocabulary entries are rejected

  static UnigramTokenizer from_file(const std::string& tokenizer_json_path);
  static UnigramTokenizer from_json_text(const std::string& json_text, const std::string& label);

  std::vector<int> tokenize(const std::string& text) const;  // tokens only (no EOS)
  std::vector<int> encode(const std::string& text) const;    // tokens + EOS, no truncation
  // Truncated to context - 1 tokens + EOS (as transformers' truncation=True), padded with pad_id.
  UnigramEncoding encode_padded(const std::string& text, int context = 256) const;
  std::string decode(const std::vector<int>& ids) const;  // special tokens skipped, "▁" -> space

  int eos_id() const { return eos_id_; }
  int pad_id() const { return pad_id_; }
  int unk_id() const { return unk_id_; }
  int vocab_size() const { return static_cast<int>(pieces_.size()); }
  int token_id(const std::string& piece) const;  // -1 when absent

  struct Step;  // one normalizer / pre-tokenizer component (defined in the .cpp)

 private:
  UnigramTokenizer() = default;
  std::vector<int> encode_segment(const std::string& text, bool first_segment) const;
  void viterbi(const std::string& piece, std::vector<int>& out) const;

  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  std::unordered_map<std::string, int> piece_ids_;
  // Byte trie of the pieces: node -> (byte -> child) and node -> piece id (-1 none).
  std::unordered_map<uint64_t, int> trie_children_;
  std::vector<int> trie_piece_;
  double unk_score_ = 0;
  int unk_id_ = -1, eos_id_ = -1, pad_id_ = 0;

  struct AddedToken {
    std::string content;
    int id;
    bool lstrip, rstrip, special;
  };
  std::vector<AddedToken> added_;  // longest content first
  std::vector<std::shared_ptr<const Step>> normalizers_;
  std::vector<std::shared_ptr<const Step>> pre_tokenizers_;
};

}  // namespace drf
