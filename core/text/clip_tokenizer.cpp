#include "core/text/clip_tokenizer.h"

#include <algorithm>

#include "core/io/file_read.h"
#include "core/io/json_file.h"
#include "core/text/clip_pretokenizer.h"
#include "core/text/clip_text_cleanup.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {
namespace {

constexpr std::size_t kMaxTokenizerFileBytes = 16u << 20;
constexpr std::uint64_t kMaxTokenId = 1u << 24;
const std::u32string kBos = U"<|startoftext|>", kEos = U"<|endoftext|>";

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// merges.txt as transformers reads it: strip the text, split lines, skip the first ("#version"),
// keep at most kMaxMerges lines, each exactly two space-separated symbols.
std::vector<std::pair<std::string, std::string>> parse_merges(const std::string& text, const std::string& file) {
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad))
    throw InputError(file + ": ill-formed UTF-8 at line " +
                     std::to_string(std::count(text.begin(), text.begin() + bad, '\n') + 1));
  std::size_t begin = 0, end = text.size();
  while (begin < end && is_blank(text[begin])) ++begin;
  while (end > begin && is_blank(text[end - 1])) --end;
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t line_no = 0;
  for (std::size_t pos = begin; pos < end && merges.size() < ClipTokenizer::kMaxMerges;) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos || nl > end) nl = end;
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (++line_no == 1) continue;
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < line.size();) {
      while (i < line.size() && is_blank(line[i])) ++i;
      std::size_t j = i;
      while (j < line.size() && !is_blank(line[j])) ++j;
      if (j > i) parts.push_back(line.substr(i, j - i));
      i = j;
    }
    if (parts.size() != 2)
      throw InputError(file + ": line " + std::to_string(line_no) + " ('" + printable_excerpt(line, 60) +
                       "') is not two symbols separated by a space");
    merges.emplace_back(std::move(parts[0]), std::move(parts[1]));
  }
  return merges;
}

std::string cap_prompt(const std::string& text) {
  if (text.size() <= ClipTokenizer::kMaxPromptBytes) return text;
  std::size_t cut = ClipTokenizer::kMaxPromptBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters only
  return text.substr(0, cut);
}

}  // namespace

ClipTokenizer::ClipTokenizer(const std::string& vocab_path, const std::string& merges_path, int pad_id)
    : ClipTokenizer(read_file_capped(vocab_path, kMaxTokenizerFileBytes, "tokenizer vocabulary"),
                    read_file_capped(merges_path, kMaxTokenizerFileBytes, "tokenizer merges file"), vocab_path,
                    merges_path, pad_id) {}

ClipTokenizer ClipTokenizer::from_text(const std::string& vocab_json, const std::string& merges_txt,
                                       const std::string& label, int pad_id) {
  return ClipTokenizer(vocab_json, merges_txt, label + " vocab.json", label + " merges.txt", pad_id);
}

ClipTokenizer::ClipTokenizer(const std::string& vocab_json, const std::string& merges_txt,
                             const std::string& vocab_label, const std::string& merges_label, int pad_id) {
  const auto vocab = parse_json_text(vocab_json, vocab_label, JsonLimits{kMaxTokenizerFileBytes, 1});
  require_object(vocab, vocab_label, "a token -> id map");
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_unsigned() || it.value().get<std::uint64_t>() >= kMaxTokenId) {
      const std::string shown = it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      throw InputError(vocab_label + ": token '" + printable_excerpt(it.key()) + "' has id " +
                       printable_excerpt(shown, 40) + ", expected an integer in 0.." + std::to_string(kMaxTokenId - 1));
    }
    const int id = static_cast<int>(it.value().get<std::uint64_t>());
    encoder_[it.key()] = id;
    decoder_.emplace(id, it.key());
    vocab_size_ = std::max(vocab_size_, id + 1);
  }
  for (const auto& special : {kBos, kEos})
    if (!encoder_.count(encode_utf8(special)))
      throw InputError(vocab_label + ": has no '" + encode_utf8(special) + "' token (not a CLIP vocabulary?)");
  bos_id_ = encoder_.at(encode_utf8(kBos));
  eos_id_ = encoder_.at(encode_utf8(kEos));
  pad_id_ = pad_id == kPadWithEos ? eos_id_ : pad_id;
  bpe_ = std::make_shared<const BpeMerges>(parse_merges(merges_txt, merges_label));
  symbol_ids_.resize(bpe_->symbol_count());
  for (std::size_t s = 0; s < symbol_ids_.size(); ++s) {
    auto it = encoder_.find(bpe_->symbol(static_cast<int>(s)));
    symbol_ids_[s] = it == encoder_.end() ? eos_id_ : it->second;
  }
}

int ClipTokenizer::token_id(const std::string& token) const {
  auto it = encoder_.find(token);
  return it == encoder_.end() ? -1 : it->second;
}

std::vector<int> ClipTokenizer::tokenize(const std::string& text) const {
  std::vector<int> ids;
  for (const std::u32string& piece : clip_pretokenize(clean_clip_text(cap_prompt(text)))) {
    if (piece == kBos || piece == kEos) {  // transformers keeps these whole (its bpe cache)
      ids.push_back(piece == kBos ? bos_id_ : eos_id_);
      continue;
    }
    for (std::size_t at = 0; at < piece.size(); at += kMaxWordCodePoints)
      for (int symbol : bpe_->apply(encode_utf8(piece.substr(at, kMaxWordCodePoints))))
        ids.push_back(symbol_ids_[static_cast<std::size_t>(symbol)]);
  }
  return ids;
}

std::vector<int> ClipTokenizer::encode(const std::string& text) const {
  std::vector<int> ids{bos_id_};
  const auto tokens = tokenize(text);
  ids.insert(ids.end(), tokens.begin(), tokens.end());
  ids.push_back(eos_id_);
  return ids;
}

TokenizedPrompt ClipTokenizer::encode_padded(const std::string& text, int context) const {
  if (context < 2) throw UsageError("token context must be at least 2, got " + std::to_string(context));
  const std::vector<int> tokens = tokenize(text);
  const std::size_t keep = std::min(tokens.size(), static_cast<std::size_t>(context - 2));
  TokenizedPrompt r;
  r.prompt_tokens = static_cast<int>(tokens.size());
  r.truncated = keep < tokens.size() || text.size() > kMaxPromptBytes;
  r.ids.push_back(bos_id_);
  r.ids.insert(r.ids.end(), tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(keep));
  r.eos_index = static_cast<int>(r.ids.size());
  r.ids.push_back(eos_id_);
  r.ids.resize(static_cast<std::size_t>(context), pad_id_);
  if (keep < tokens.size())
    r.dropped_text = decode(std::vector<int>(tokens.begin() + static_cast<std::ptrdiff_t>(keep), tokens.end()));
  if (text.size() > kMaxPromptBytes) r.dropped_text += (r.dropped_text.empty() ? "" : " ") + std::string("...");
  return r;
}

std::string ClipTokenizer::decode(const std::vector<int>& ids) const {
  std::string bytes;
  for (int id : ids) {
    if (id == bos_id_ || id == eos_id_) continue;
    auto it = decoder_.find(id);
    if (it == decoder_.end()) continue;
    for (char32_t cp : decode_utf8_lossy(it->second)) {
      const int b = byte_level_byte(cp);
      if (b >= 0) bytes.push_back(static_cast<char>(b));
    }
  }
  std::string text = encode_utf8(decode_utf8_lossy(bytes)), out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "</w>") == 0) {
      out += ' ';
      i += 4;
    } else {
      out += text[i++];
    }
  }
  const auto first = out.find_first_not_of(' '), last = out.find_last_not_of(' ');
  return first == std::string::npos ? "" : out.substr(first, last - first + 1);
}

}  // namespace drf
