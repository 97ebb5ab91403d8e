// The CLIP BPE tokenizer of Stable Diffusion's text encoders, equivalent to transformers'
// CLIPTokenizer: vocab.json + merges.txt, prompt cleanup (clip_text_cleanup.h), CLIP
// pre-tokenisation (clip_pretokenizer.h), byte-level BPE with "</w>" (bpe.h), BOS/EOS from the
// vocabulary, truncation to the context keeping EOS, and padding.
//
// Tokenizer files are untrusted input: sizes, ids and the merges format are checked and every
// problem is an InputError naming the file. Encoding never fails on any prompt (ill-formed UTF-8
// becomes U+FFFD) and its cost is bounded (see kMaxPromptBytes, kMaxWordCodePoints).
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text/bpe.h"

namespace drf {

struct TokenizedPrompt {
  std::vector<int> ids;      // exactly `context` ids: BOS, prompt tokens, EOS, padding
  int eos_index = 0;         // position of the EOS that ends the prompt
  int prompt_tokens = 0;     // tokens the whole prompt needed (without BOS/EOS)
  bool truncated = false;    // tokens were dropped to fit the context: warn the user
  std::string dropped_text;  // the dropped part, decoded, for the warning
};

class ClipTokenizer {
 public:
  static constexpr int kPadWithEos = -1;                      // SD 1.x; SD 2.x (OpenCLIP) pads with id 0
  static constexpr std::size_t kMaxPromptBytes = 64 * 1024;   // prompts are cut (and flagged) beyond this
  static constexpr std::size_t kMaxWordCodePoints = 256;      // longer words are split for BPE
  static constexpr std::size_t kMaxMerges = 49152 - 256 - 2;  // as transformers reads merges.txt

  ClipTokenizer(const std::string& vocab_path, const std::string& merges_path, int pad_id = kPadWithEos);
  // The same from file contents; `label` prefixes error messages.
  static ClipTokenizer from_text(const std::string& vocab_json, const std::string& merges_txt, const std::string& label,
                                 int pad_id = kPadWithEos);

  std::vector<int> tokenize(const std::string& text) const;  // prompt tokens only
  std::vector<int> encode(const std::string& text) const;    // BOS + tokens + EOS, no truncation
  TokenizedPrompt encode_padded(const std::string& text, int context = 77) const;
  // Text of the ids (BOS/EOS and unknown ids skipped), "</w>" read as a space.
  std::string decode(const std::vector<int>& ids) const;

  int bos_id() const { return bos_id_; }
  int eos_id() const { return eos_id_; }
  int pad_id() const { return pad_id_; }
  int vocab_size() const { return vocab_size_; }  // largest id + 1
  int token_id(const std::string& token) const;   // -1 when the vocabulary lacks it

 private:
  ClipTokenizer(const std::string& vocab_json, const std::string& merges_txt, const std::string& vocab_label,
                const std::string& merges_label, int pad_id);
  std::unordered_map<std::string, int> encoder_;
  std::unordered_map<int, std::string> decoder_;
  std::shared_ptr<const BpeMerges> bpe_;
  std::vector<int> symbol_ids_;  // BPE symbol -> vocab id (unknown -> EOS, CLIP's unk token)
  int bos_id_ = 0, eos_id_ = 0, pad_id_ = 0, vocab_size_ = 0;
};

}  // namespace drf
