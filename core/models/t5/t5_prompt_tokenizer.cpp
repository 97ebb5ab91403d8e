#include "core/models/t5/t5_prompt_tokenizer.h"

#include <filesystem>

#include "core/models/t5/sentencepiece_prompt_tokenizer.h"
#include "core/util/errors.h"

namespace drf {
namespace fs = std::filesystem;

T5PromptTokenizer::T5PromptTokenizer(std::shared_ptr<const UnigramTokenizer> tokenizer, std::string source)
    : tokenizer_(std::move(tokenizer)), source_(std::move(source)) {}

PromptTokens T5PromptTokenizer::encode(const std::string& prompt, int context) const {
  const UnigramEncoding e = tokenizer_->encode_padded(prompt, context);
  PromptTokens t;
  t.ids.assign(e.ids.begin(), e.ids.end());
  t.truncated = e.truncated;
  t.dropped_text = e.dropped_text;
  return t;
}

std::shared_ptr<PromptTokenizer> load_t5_tokenizer_folder(const std::string& folder) {
  fs::path dir(folder);
  if (!fs::is_regular_file(dir / "tokenizer.json") && fs::is_directory(dir / "tokenizer_3")) dir /= "tokenizer_3";
  const fs::path json = dir / "tokenizer.json";
  if (fs::is_regular_file(json))
    return std::make_shared<T5PromptTokenizer>(
        std::make_shared<const UnigramTokenizer>(UnigramTokenizer::from_file(json.string())), dir.string());
  if (fs::is_regular_file(dir / "spiece.model") && sentencepiece_available())
    return load_sentencepiece_tokenizer((dir / "spiece.model").string());
  if (fs::is_regular_file(dir / "spiece.model"))
    throw InputError(dir.string() +
                     ": only spiece.model is there and this build has no SentencePiece library; the T5 tokenizer is read from tokenizer.json (the fast-tokenizer "
                     "file diffusers ships in tokenizer_3/; transformers' T5TokenizerFast.save_pretrained writes it)");
  throw InputError(folder + ": no T5 tokenizer (tokenizer.json or tokenizer_3/tokenizer.json)");
}

}  // namespace drf
