// UTF-8 decoding that never fails (ill-formed bytes become U+FFFD, one per maximal ill-formed
// subpart as the Unicode standard recommends), encoding, and a helper that makes untrusted text
// safe to quote in an error message.
#pragma once
#include <cstddef>
#include <string>

namespace drf {

constexpr char32_t kReplacementChar = 0xFFFD;

std::u32string decode_utf8_lossy(const std::string& bytes);
void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(const std::u32string& text);
// True when `bytes` is well-formed UTF-8; on failure *bad_offset is the first offending byte.
bool is_valid_utf8(const std::string& bytes, std::size_t* bad_offset = nullptr);
// `text` with control characters and ill-formed bytes escaped (\xNN) and cut to max_bytes
// (with "..."), for quoting names and values from untrusted files in messages.
std::string printable_excerpt(const std::string& text, std::size_t max_bytes = 120);

}  // namespace drf
