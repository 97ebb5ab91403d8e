// Unicode character classes the CLIP tokenizer needs, decided from the code point alone (the
// tables are generated from Python's unicodedata by tools/gen_unicode_tables.py, so letters,
// numbers and lowercase agree with what transformers' CLIPTokenizer sees).
#pragma once

namespace drf::unicode {

bool is_letter(char32_t cp);      // general category L*  (regex \p{L})
bool is_number(char32_t cp);      // general category N*  (regex \p{N})
bool is_whitespace(char32_t cp);  // Python's str.isspace() set (regex \s)
// The classes of the final-sigma rule as Python's str.lower() applies them: case-ignorable
// characters are skipped; is_cased is true only for cased characters that are not ignorable.
bool is_case_ignorable(char32_t cp);
bool is_cased(char32_t cp);
// C0/C1 control characters other than \t \n \v \f \r and U+0085 (NUL, ESC, U+001C..U+001F,
// DEL, ...): dropped by cleanup.
bool is_control(char32_t cp);
// Simple (one code point) lowercase mapping; U+0130 (I with dot above), the one character
// whose full lowercase is two code points, is handled by the caller.
char32_t to_lower(char32_t cp);

}  // namespace drf::unicode
