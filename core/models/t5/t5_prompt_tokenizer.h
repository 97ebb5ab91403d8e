// Prompt -> T5 token ids for SD3's third text encoder: the Unigram tokenizer of the model's
// own tokenizer.json (diffusers' tokenizer_3/), the prompt's tokens then "</s>", truncated to
// the context (256 by default in SD3) and padded with "<pad>" (id 0), as transformers'
// T5TokenizerFast(padding="max_length", truncation=True) gives the pipeline.
#pragma once
#include <memory>
#include <string>

#include "core/models/clip/prompt_tokenizer.h"
#include "core/text/unigram_tokenizer.h"

namespace drf {

class T5PromptTokenizer : public PromptTokenizer {
 public:
  T5PromptTokenizer(std::shared_ptr<const UnigramTokenizer> tokenizer, std::string source);
  PromptTokens encode(const std::string& prompt, int context) const override;
  std::string describe() const override { return "T5 Unigram tokenizer from " + source_; }
  int64_t vocab_size() const override { return tokenizer_->vocab_size(); }
  const UnigramTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<const UnigramTokenizer> tokenizer_;
  std::string source_;
};

// A diffusers tokenizer_3/ folder, or a model folder holding one: tokenizer.json through our
// Unigram tokenizer (a T5PromptTokenizer); a folder with only spiece.model goes through the
// SentencePiece library where this build has it (sentencepiece_prompt_tokenizer.h) and is
// otherwise an InputError that says tokenizer.json is needed. InputError naming the folder
// when neither file is there.
std::shared_ptr<PromptTokenizer> load_t5_tokenizer_folder(const std::string& folder);

}  // namespace drf
