#include "core/text/unigram_tokenizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/io/json_file.h"
#include "core/text/unicode_classes.h"
#include "core/util/utf8.h"
#include "core/util/errors.h"

namespace drf {

namespace {

const std::string kMetaspace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

// Rust's char::is_whitespace (Unicode White_Space), what tokenizers' Strip and
// WhitespaceSplit test.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  return 4;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size())
    out.append(s, pos, hit - pos).append(to);
  return out.append(s, pos, std::string::npos);
}

}  // namespace

struct UnigramTokenizer::Step {
  enum class Kind { Precompiled, Strip, Replace, ReplaceSpaceRuns, Prepend, Lowercase, WhitespaceSplit, Metaspace };
  enum class PrependScheme { Always, First, Never };
  Kind kind = Kind::Strip;
  PrecompiledCharsmap charsmap;
  bool left = false, right = false, split = true;
  std::string pattern, content;
  PrependScheme prepend = PrependScheme::Always;

  std::string normalize(const std::string& s) const {
    switch (kind) {
      case Kind::Precompiled: return charsmap.normalize(s);
      case Kind::Strip: {
        const std::u32string cps = decode_utf8_lossy(s);
        std::size_t b = 0, e = cps.size();
        if (left)
          while (b < e && is_white_space(cps[b])) ++b;
        if (right)
          while (e > b && is_white_space(cps[e - 1])) --e;
        return encode_utf8(cps.substr(b, e - b));
      }
      case Kind::Replace: return replace_all(s, pattern, content);
      case Kind::ReplaceSpaceRuns: {  // regex " {2,}"
        std::string out;
        for (std::size_t i = 0; i < s.size();) {
          std::size_t j = i;
          while (j < s.size() && s[j] == ' ') ++j;
          if (j - i >= 2) {
            out += content;
            i = j;
          } else if (j > i) {
            out += ' ';
            i = j;
          } else {
            out += s[i++];
          }
        }
        return out;
      }
      case Kind::Prepend: return s.empty() ? s : content + s;
      case Kind::Lowercase: {
        std::u32string cps = decode_utf8_lossy(s);
        for (auto& c : cps) c = unicode::to_lower(c);
        return encode_utf8(cps);
      }
      default: return s;
    }
  }

  void pre_tokenize(std::vector<std::string>& pieces, bool first_segment) const {
    std::vector<std::string> out;
    for (std::size_t p = 0; p < pieces.size(); ++p) {
      const std::string& s = pieces[p];
      if (kind == Kind::WhitespaceSplit) {
        const std::u32string cps = decode_utf8_lossy(s);
        std::u32string word;
        for (char32_t c : cps) {
          if (is_white_space(c)) {
            if (!word.empty()) out.push_back(encode_utf8(word));
            word.clear();
          } else {
            word.push_back(c);
          }
        }
        if (!word.empty()) out.push_back(encode_utf8(word));
        continue;
      }
      // Metaspace. An empty piece (a segment that normalised to nothing, e.g. the space between
      // two special tokens once stripped) stays empty: no lone "▁", as tokenizers does.
      if (s.empty()) continue;
      std::string t = replace_all(s, " ", content);
      const bool starts = t.compare(0, content.size(), content) == 0;
      if (!starts && (prepend == PrependScheme::Always || (prepend == PrependScheme::First && first_segment && p == 0)))
        t = content + t;
      if (!split) {
        if (!t.empty()) out.push_back(t);
        continue;
      }
      // Each replacement character starts a new piece (the delimiter merged with the next).
      std::size_t begin = 0;
      for (std::size_t hit = t.find(content, content.size() ? 1 : 0); hit != std::string::npos && !content.empty();
           hit = t.find(content, hit + content.size())) {
        if (hit > begin) out.push_back(t.substr(begin, hit - begin));
        begin = hit;
      }
      if (begin < t.size()) out.push_back(t.substr(begin));
    }
    pieces.swap(out);
  }
};

namespace {

using Step = UnigramTokenizer::Step;

std::shared_ptr<const Step> parse_normalizer(const nlohmann::json& j, const std::string& label,
                                             std::vector<std::shared_ptr<const Step>>& out, int depth = 0) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j.at("type").is_string())
    throw InputError(label + ": normalizer without a \"type\"");
  const std::string type = j.at("type").get<std::string>();
  auto step = std::make_shared<Step>();
  if (type == "Sequence") {
    if (depth > 4 || !j.contains("normalizers") || !j.at("normalizers").is_array())
      throw InputError(label + ": normalizer Sequence without a \"normalizers\" list");
    for (const auto& n : j.at("normalizers")) parse_normalizer(n, label, out, depth + 1);
    return nullptr;
  }
  if (type == "Precompiled") {
    step->kind = Step::Kind::Precompiled;
    if (j.contains("precompiled_charsmap") && j.at("precompiled_charsmap").is_string())
      step->charsmap = PrecompiledCharsmap::from_base64(j.at("precompiled_charsmap").get<std::string>(),
                                                       label + ": precompiled_charsmap");
  } else if (type == "Strip") {
    step->kind = Step::Kind::Strip;
    step->left = j.value("strip_left", false);
    step->right = j.value("strip_right", false);
  } else if (type == "Replace") {
    step->content = j.value("content", std::string());
    const auto& pattern = j.contains("pattern") ? j.at("pattern") : nlohmann::json();
    if (pattern.is_object() && pattern.contains("String") && pattern.at("String").is_string()) {
      step->kind = Step::Kind::Replace;
      step->pattern = pattern.at("String").get<std::string>();
    } else if (pattern.is_object() && pattern.contains("Regex") && pattern.at("Regex") == " {2,}") {
      step->kind = Step::Kind::ReplaceSpaceRuns;
    } else {
      throw InputError(label + ": Replace normalizer pattern " + printable_excerpt(pattern.dump()) +
                       " is not supported (a string, or the regex \" {2,}\")");
    }
  } else if (type == "Prepend") {
    step->kind = Step::Kind::Prepend;
    step->content = j.value("prepend", std::string());
  } else if (type == "Lowercase") {
    step->kind = Step::Kind::Lowercase;
  } else {
    throw InputError(label + ": normalizer '" + printable_excerpt(type) + "' is not supported");
  }
  out.push_back(step);
  return step;
}

void parse_pre_tokenizer(const nlohmann::json& j, const std::string& label, std::vector<std::shared_ptr<const Step>>& out,
                         int depth = 0) {
  if (j.is_null()) return;
  if (!j.is_object() || !j.contains("type") || !j.at("type").is_string())
    throw InputError(label + ": pre_tokenizer without a \"type\"");
  const std::string type = j.at("type").get<std::string>();
  auto step = std::make_shared<Step>();
  if (type == "Sequence") {
    if (depth > 4 || !j.contains("pretokenizers") || !j.at("pretokenizers").is_array())
      throw InputError(label + ": pre_tokenizer Sequence without a \"pretokenizers\" list");
    for (const auto& p : j.at("pretokenizers")) parse_pre_tokenizer(p, label, out, depth + 1);
    return;
  }
  if (type == "WhitespaceSplit") {
    step->kind = Step::Kind::WhitespaceSplit;
  } else if (type == "Metaspace") {
    step->kind = Step::Kind::Metaspace;
    step->content = j.value("replacement", kMetaspace);
    if (step->content.empty() || step->content.size() > 8)
      throw InputError(label + ": Metaspace replacement must be one character");
    step->split = j.value("split", true);
    std::string scheme = j.contains("prepend_scheme") && j.at("prepend_scheme").is_string()
                             ? j.at("prepend_scheme").get<std::string>()
                             : (j.value("add_prefix_space", true) ? "always" : "never");
    if (scheme == "always") step->prepend = Step::PrependScheme::Always;
    else if (scheme == "first") step->prepend = Step::PrependScheme::First;
    else if (scheme == "never") step->prepend = Step::PrependScheme::Never;
    else throw InputError(label + ": Metaspace prepend_scheme '" + printable_excerpt(scheme) + "' is not supported");
  } else {
    throw InputError(label + ": pre_tokenizer '" + printable_excerpt(type) + "' is not supported");
  }
  out.push_back(step);
}

}  // namespace

UnigramTokenizer UnigramTokenizer::from_file(const std::string& path) {
  JsonLimits limits;
  limits.max_bytes = 64u << 20;  // T5's tokenizer.json is ~2.4 MB
  limits.max_depth = 16;
  const nlohmann::json j = read_json_file(path, limits);
  return from_json_text(j.dump(), path);
}

UnigramTokenizer UnigramTokenizer::from_json_text(const std::string& text, const std::string& label) {
  JsonLimits limits;
  limits.max_bytes = 64u << 20;
  limits.max_depth = 16;
  const nlohmann::json j = parse_json_text(text, label, limits);
  if (!j.is_object() || !j.contains("model") || !j.at("model").is_object())
    throw InputError(label + ": no \"model\" object (not a tokenizer.json)");
  const auto& model = j.at("model");
  if (model.value("type", std::string()) != "Unigram")
    throw InputError(label + ": model type '" + printable_excerpt(model.value("type", std::string("?"))) +
                     "' is not Unigram (a T5 / SentencePiece tokenizer.json is expected)");
  if (model.value("byte_fallback", false))
    throw InputError(label + ": Unigram byte_fallback is not supported (T5 does not use it)");
  if (!model.contains("vocab") || !model.at("vocab").is_array() || model.at("vocab").empty())
    throw InputError(label + ": Unigram model without a \"vocab\" list");

  UnigramTokenizer t;
  const auto& vocab = model.at("vocab");
  if (vocab.size() > (1u << 22)) throw InputError(label + ": vocabulary of " + std::to_string(vocab.size()) + " is too large");
  double min_score = std::numeric_limits<double>::infinity();
  t.trie_piece_.push_back(-1);
  for (std::size_t i = 0; i < vocab.size(); ++i) {
    const auto& e = vocab[i];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
      throw InputError(label + ": vocab entry " + std::to_string(i) + " is not [piece, score]");
    std::string piece = e[0].get<std::string>();
    const double score = e[1].get<double>();
    if (piece.empty() || piece.size() > kMaxPieceBytes || !is_valid_utf8(piece) || !std::isfinite(score))
      throw InputError(label + ": vocab entry " + std::to_string(i) + " has an empty, oversized or ill-formed piece or score");
    const int id = static_cast<int>(i);
    t.piece_ids_.emplace(piece, id);
    min_score = std::min(min_score, score);
    std::size_t node = 0;
    for (unsigned char c : piece) {
      const uint64_t key = (static_cast<uint64_t>(node) << 8) | c;
      auto it = t.trie_children_.find(key);
      if (it == t.trie_children_.end()) {
        t.trie_piece_.push_back(-1);
        it = t.trie_children_.emplace(key, static_cast<int>(t.trie_piece_.size() - 1)).first;
      }
      node = static_cast<std::size_t>(it->second);
    }
    if (t.trie_piece_[node] < 0) t.trie_piece_[node] = id;  // the first id of a duplicated piece
    t.pieces_.push_back(std::move(piece));
    t.scores_.push_back(score);
  }
  t.unk_score_ = min_score - 10.0;  // tokenizers' K_UNK_PENALTY
  const int64_t unk = model.contains("unk_id") && model.at("unk_id").is_number_integer() ? model.at("unk_id").get<int64_t>() : -1;
  if (unk < 0 || unk >= static_cast<int64_t>(t.pieces_.size()))
    throw InputError(label + ": Unigram unk_id is missing or outside the vocabulary");
  t.unk_id_ = static_cast<int>(unk);

  if (j.contains("added_tokens") && j.at("added_tokens").is_array()) {
    for (const auto& a : j.at("added_tokens")) {
      if (!a.is_object() || !a.contains("content") || !a.at("content").is_string() || !a.contains("id") ||
          !a.at("id").is_number_integer())
        throw InputError(label + ": an added_tokens entry lacks content or id");
      const int64_t id = a.at("id").get<int64_t>();
      if (id < 0 || id >= static_cast<int64_t>(t.pieces_.size()))
        throw InputError(label + ": added token id " + std::to_string(id) + " is outside the vocabulary");
      AddedToken tok{a.at("content").get<std::string>(), static_cast<int>(id), a.value("lstrip", false),
                     a.value("rstrip", false), a.value("special", true)};
      if (!tok.content.empty()) t.added_.push_back(tok);
    }
    std::stable_sort(t.added_.begin(), t.added_.end(),
                     [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
  }
  if (j.contains("normalizer")) parse_normalizer(j.at("normalizer"), label, t.normalizers_);
  if (j.contains("pre_tokenizer")) parse_pre_tokenizer(j.at("pre_tokenizer"), label, t.pre_tokenizers_);
  if (j.contains("post_processor") && !j.at("post_processor").is_null() &&
      j.at("post_processor").value("type", std::string()) != "TemplateProcessing")
    throw InputError(label + ": post_processor '" +
                     printable_excerpt(j.at("post_processor").value("type", std::string("?"))) +
                     "' is not supported (T5's TemplateProcessing \"$A </s>\")");
  t.eos_id_ = t.token_id("</s>");
  if (t.eos_id_ < 0) throw InputError(label + ": the vocabulary has no end-of-sequence token \"</s>\"");
  t.pad_id_ = std::max(0, t.token_id("<pad>"));
  return t;
}

int UnigramTokenizer::token_id(const std::string& piece) const {
  auto it = piece_ids_.find(piece);
  return it == piece_ids_.end() ? -1 : it->second;
}

void UnigramTokenizer::viterbi(const std::string& s, std::vector<int>& out) const {
  struct Node {
    double score = 0;
    int64_t starts_at = -1;
    int id = -1;
  };
  const std::size_t n = s.size();
  std::vector<Node> best(n + 1);
  best[0].starts_at = 0;  // reachable; the root is not a token
  for (std::size_t pos = 0; pos < n;) {
    const std::size_t char_len = std::min(utf8_length(static_cast<unsigned char>(s[pos])), n - pos);
    const double here = best[pos].score;
    bool has_single = false;
    std::size_t node = 0;
    for (std::size_t k = pos; k < n; ++k) {
      auto it = trie_children_.find((static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(s[k]));
      if (it == trie_children_.end()) break;
      node = static_cast<std::size_t>(it->second);
      const int id = trie_piece_[node];
      if (id < 0) continue;
      const std::size_t end = k + 1;
      const double candidate = here + scores_[static_cast<std::size_t>(id)];
      if (best[end].starts_at < 0 || candidate > best[end].score) best[end] = Node{candidate, static_cast<int64_t>(pos), id};
      if (end - pos == char_len) has_single = true;
    }
    if (!has_single) {
      const double candidate = here + unk_score_;
      Node& target = best[pos + char_len];
      if (target.starts_at < 0 || candidate > target.score) target = Node{candidate, static_cast<int64_t>(pos), unk_id_};
    }
    pos += char_len;
  }
  // Backtrack; runs of unknown pieces fuse into one unk token (tokenizers' fuse_unk).
  std::vector<int> reversed;
  bool in_unk = false;
  for (std::size_t end = n; end > 0;) {
    const Node& node = best[end];
    if (node.id == unk_id_) {
      if (!in_unk) reversed.push_back(unk_id_);
      in_unk = true;
    } else {
      reversed.push_back(node.id);
      in_unk = false;
    }
    end = static_cast<std::size_t>(node.starts_at);
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

std::vector<int> UnigramTokenizer::encode_segment(const std::string& text, bool first_segment) const {
  std::string s = text;
  for (const auto& step : normalizers_) s = step->normalize(s);
  std::vector<std::string> pieces{s};
  for (const auto& step : pre_tokenizers_) step->pre_tokenize(pieces, first_segment);
  std::vector<int> ids;
  for (const auto& piece : pieces)
    if (!piece.empty()) viterbi(piece, ids);
  return ids;
}

std::vector<int> UnigramTokenizer::tokenize(const std::string& raw) const {
  std::string text = raw.size() > kMaxPromptBytes ? raw.substr(0, kMaxPromptBytes) : raw;
  if (!is_valid_utf8(text)) text = encode_utf8(decode_utf8_lossy(text));
  // Split out the added (special) tokens, leftmost then longest, on the raw text.
  struct Segment {
    std::string text;
    int added_id;  // -1 = ordinary text
  };
  std::vector<Segment> segments;
  std::size_t begin = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const AddedToken* hit = nullptr;
    for (const auto& a : added_)
      if (text.compare(pos, a.content.size(), a.content) == 0) {
        hit = &a;
        break;
      }
    if (!hit) {
      ++pos;
      continue;
    }
    std::string before = text.substr(begin, pos - begin);
    if (hit->lstrip) {
      const std::u32string cps = decode_utf8_lossy(before);
      std::size_t e = cps.size();
      while (e > 0 && is_white_space(cps[e - 1])) --e;
      before = encode_utf8(cps.substr(0, e));
    }
    segments.push_back({before, -1});
    segments.push_back({hit->content, hit->id});
    pos += hit->content.size();
    if (hit->rstrip)
      while (pos < text.size()) {
        const std::size_t len = utf8_length(static_cast<unsigned char>(text[pos]));
        const std::u32string cp = decode_utf8_lossy(text.substr(pos, len));
        if (cp.size() != 1 || !is_white_space(cp[0])) break;
        pos += len;
      }
    begin = pos;
  }
  segments.push_back({text.substr(begin), -1});
  std::vector<int> ids;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].added_id >= 0) {
      ids.push_back(segments[i].added_id);
    } else if (!segments[i].text.empty()) {
      const auto part = encode_segment(segments[i].text, i == 0);
      ids.insert(ids.end(), part.begin(), part.end());
    }
  }
  return ids;
}

std::vector<int> UnigramTokenizer::encode(const std::string& text) const {
  auto ids = tokenize(text);
  ids.push_back(eos_id_);
  return ids;
}

UnigramEncoding UnigramTokenizer::encode_padded(const std::string& text, int context) const {
  if (context < 1) throw UsageError("T5 token context must hold at least the end-of-sequence token");
  UnigramEncoding e;
  auto tokens = tokenize(text);
  e.prompt_tokens = static_cast<int>(tokens.size());
  const std::size_t keep = static_cast<std::size_t>(context - 1);
  if (tokens.size() > keep || text.size() > kMaxPromptBytes) {
    e.truncated = true;
    if (tokens.size() > keep)
      e.dropped_text = decode(std::vector<int>(tokens.begin() + static_cast<std::ptrdiff_t>(keep), tokens.end()));
    if (text.size() > kMaxPromptBytes) e.dropped_text += " " + printable_excerpt(text.substr(kMaxPromptBytes), 60);
    tokens.resize(std::min(tokens.size(), keep));
  }
  e.ids = std::move(tokens);
  e.ids.push_back(eos_id_);
  e.ids.resize(static_cast<std::size_t>(context), pad_id_);
  return e;
}

std::string UnigramTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    bool special = false;
    for (const auto& a : added_) special = special || (a.id == id && a.special);
    if (special) continue;
    out += pieces_[static_cast<std::size_t>(id)];
  }
  out = replace_all(out, kMetaspace, " ");
  if (!out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

}  // namespace drf
