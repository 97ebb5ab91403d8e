// Unicode Normalization Form C: canonical decomposition, canonical ordering of combining marks,
// then canonical composition (UAX #15). Every reference CLIP tokenizer normalises the prompt to
// NFC first (ftfy in OpenAI CLIP, BERT's BasicTokenizer in transformers without ftfy, the NFC
// normalizer of CLIPTokenizerFast), so "e" + U+0301 and "é" give the same tokens.
// The tables come from Python's unicodedata (tools/gen_unicode_tables.py nfc).
#pragma once
#include <string>

namespace drf::unicode {

int combining_class(char32_t cp);  // canonical combining class, 0 for starters
std::u32string to_nfc(const std::u32string& text);

}  // namespace drf::unicode
