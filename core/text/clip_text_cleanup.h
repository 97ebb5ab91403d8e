// Prompt cleanup before CLIP pre-tokenisation, as OpenAI's CLIP tokenizer does it (the one the
// SD text encoders were trained with): NFC normalisation, HTML entities unescaped (twice, like
// CLIP's basic_clean), control characters dropped, whitespace runs collapsed to one space, ends
// stripped, lowercased as Python's str.lower() (final sigma included). Ill-formed UTF-8 becomes
// U+FFFD instead of failing.
//
// Checked against Hugging Face's CLIPTokenizer pipeline (docs/models.md, "Tokenizer parity"):
// that one unescapes no HTML entities and keeps control characters as tokens, where we follow
// OpenAI CLIP. Unlike OpenAI CLIP we do no ftfy mojibake repair, and only the common named
// entities (&amp; &lt; &gt; &quot; &apos; &nbsp;) plus numeric ones (&#39; &#x27;) are unescaped.
#pragma once
#include <string>

namespace drf {

std::u32string html_unescape(const std::u32string& text);
std::u32string clean_clip_text(const std::string& utf8_text);

}  // namespace drf
