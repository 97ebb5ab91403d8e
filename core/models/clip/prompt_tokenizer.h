// Prompt -> token ids for the CLIP text encoder: the real CLIP BPE tokenizer (core/text) read
// from a tokenizer folder, or, for the synthetic random:* models when no tokenizer folder is
// given, a stand-in that maps each UTF-8 byte to one id (the weights are random, so the ids
// only need to be valid and deterministic; summary() says when it is in use).
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace drf {

class ClipTokenizer;

struct PromptTokens {
  std::vector<int64_t> ids;  // exactly `context` ids
  bool truncated = false;
  std::string dropped_text;  // what was cut, for the user's warning
};

class PromptTokenizer {
 public:
  virtual ~PromptTokenizer() = default;
  virtual PromptTokens encode(const std::string& prompt, int context) const = 0;
  virtual std::string describe() const = 0;
  virtual int64_t vocab_size() const = 0;  // largest id + 1
};

class ClipBpePromptTokenizer : public PromptTokenizer {
 public:
  explicit ClipBpePromptTokenizer(std::shared_ptr<const ClipTokenizer> tokenizer, std::string folder);
  PromptTokens encode(const std::string& prompt, int context) const override;
  std::string describe() const override { return "CLIP BPE tokenizer from " + folder_; }
  int64_t vocab_size() const override;
  const ClipTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<const ClipTokenizer> tokenizer_;
  std::string folder_;
};

class ByteLevelPromptTokenizer : public PromptTokenizer {
 public:
  // BOS = vocab_size - 2, EOS (and padding) = vocab_size - 1, byte b -> id b: the ids of real
  // CLIP (49406, 49407, and the 256 single-byte symbols) when vocab_size is 49408.
  explicit ByteLevelPromptTokenizer(int64_t vocab_size);
  PromptTokens encode(const std::string& prompt, int context) const override;
  std::string describe() const override { return "byte-level stand-in tokenizer (no tokenizer folder)"; }
  int64_t vocab_size() const override { return vocab_size_; }

 private:
  int64_t vocab_size_;
};

// Reads a tokenizer folder: either a diffusers "tokenizer/" folder (vocab.json, merges.txt,
// optional special_tokens_map.json naming the pad token) or a diffusers model folder holding
// one. `default_pad_token` is used when the folder does not name one: "<|endoftext|>" for SD 1.x,
// "!" for SD 2.x (OpenCLIP pads with id 0). Throws InputError naming the folder and the file.
std::shared_ptr<ClipBpePromptTokenizer> load_clip_tokenizer_folder(const std::string& folder,
                                                                   const std::string& default_pad_token);

}  // namespace drf
