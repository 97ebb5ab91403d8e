#include "core/models/clip/prompt_tokenizer.h"

#include <algorithm>
#include <filesystem>

#include "core/io/json_file.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/errors.h"

namespace drf {
namespace fs = std::filesystem;

ClipBpePromptTokenizer::ClipBpePromptTokenizer(std::shared_ptr<const ClipTokenizer> tokenizer, std::string folder)
    : tokenizer_(std::move(tokenizer)), folder_(std::move(folder)) {}

int64_t ClipBpePromptTokenizer::vocab_size() const { return tokenizer_->vocab_size(); }

PromptTokens ClipBpePromptTokenizer::encode(const std::string& prompt, int context) const {
  const TokenizedPrompt t = tokenizer_->encode_padded(prompt, context);
  PromptTokens out;
  out.ids.assign(t.ids.begin(), t.ids.end());
  out.truncated = t.truncated;
  out.dropped_text = t.dropped_text;
  return out;
}

ByteLevelPromptTokenizer::ByteLevelPromptTokenizer(int64_t vocab_size) : vocab_size_(vocab_size) {
  if (vocab_size_ < 258) throw InputError("the byte-level tokenizer needs a vocabulary of at least 258 ids");
}

PromptTokens ByteLevelPromptTokenizer::encode(const std::string& prompt, int context) const {
  const int64_t bos = vocab_size_ - 2, eos = vocab_size_ - 1;
  const std::size_t room = static_cast<std::size_t>(std::max(context - 2, 0));
  PromptTokens out;
  out.ids.push_back(bos);
  for (std::size_t i = 0; i < prompt.size() && i < room; ++i) out.ids.push_back(static_cast<unsigned char>(prompt[i]));
  out.ids.push_back(eos);
  if (prompt.size() > room) {
    out.truncated = true;
    out.dropped_text = prompt.substr(room);
  }
  out.ids.resize(static_cast<std::size_t>(context), eos);
  return out;
}

namespace {

// special_tokens_map.json / tokenizer_config.json give the pad token as a string or as an
// object {"content": "..."}.
std::string pad_token_from(const fs::path& file) {
  if (!fs::is_regular_file(file)) return "";
  const auto j = read_json_file(file.string());
  if (!j.is_object() || !j.contains("pad_token")) return "";
  const auto& p = j.at("pad_token");
  if (p.is_string()) return p.get<std::string>();
  if (p.is_object()) return get_string(p, "content", "", file.string());
  return "";
}

}  // namespace

std::shared_ptr<ClipBpePromptTokenizer> load_clip_tokenizer_folder(const std::string& folder,
                                                                   const std::string& default_pad_token) {
  fs::path dir(folder);
  if (!fs::is_directory(dir)) throw InputError("tokenizer folder '" + folder + "' does not exist or is not a folder");
  if (!fs::exists(dir / "vocab.json") && fs::is_directory(dir / "tokenizer")) dir /= "tokenizer";
  for (const char* name : {"vocab.json", "merges.txt"})
    if (!fs::is_regular_file(dir / name))
      throw InputError("tokenizer folder '" + dir.string() + "' has no " + name +
                       " (expected the tokenizer/ folder of a diffusers model: vocab.json and merges.txt)");
  std::string pad = pad_token_from(dir / "special_tokens_map.json");
  if (pad.empty()) pad = pad_token_from(dir / "tokenizer_config.json");
  if (pad.empty()) pad = default_pad_token;
  // Read once with EOS padding to learn the vocabulary, then fix the pad id.
  auto probe = std::make_shared<ClipTokenizer>((dir / "vocab.json").string(), (dir / "merges.txt").string());
  int pad_id = pad == "<|endoftext|>" ? ClipTokenizer::kPadWithEos : probe->token_id(pad);
  if (pad_id == -1 && pad != "<|endoftext|>")
    throw InputError(dir.string() + ": the pad token '" + pad + "' is not in vocab.json");
  std::shared_ptr<const ClipTokenizer> tok =
      pad_id == ClipTokenizer::kPadWithEos || pad_id == probe->eos_id()
          ? std::shared_ptr<const ClipTokenizer>(probe)
          : std::make_shared<ClipTokenizer>((dir / "vocab.json").string(), (dir / "merges.txt").string(), pad_id);
  return std::make_shared<ClipBpePromptTokenizer>(tok, dir.string());
}

}  // namespace drf
