// CLIP's pre-tokenisation, written out by hand because std::regex has no Unicode classes. It
// finds, left to right, the first alternative that matches at each position of
//   <|startoftext|> | <|endoftext|> | 's|'t|'re|'ve|'m|'ll|'d | \p{L}+ | \p{N} | [^\s\p{L}\p{N}]+
// (case-insensitive) and skips whitespace between matches, exactly like regex.findall in
// transformers' CLIPTokenizer. Input is text already cleaned by clean_clip_text().
#pragma once
#include <string>
#include <vector>

namespace drf {

std::vector<std::u32string> clip_pretokenize(const std::u32string& text);

}  // namespace drf
