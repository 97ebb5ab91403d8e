#include "core/text/unicode_classes.h"

#include <algorithm>
#include <iterator>

namespace drf::unicode {
namespace {

struct CodePointRange {
  char32_t first, last;
};
// Every stride-th code point in [first, last] lowercases to cp + delta.
struct LowerRun {
  char32_t first, last;
  int stride, delta;
};

#include "core/text/unicode_tables.inc"

template <std::size_t N>
bool in_ranges(const CodePointRange (&ranges)[N], char32_t cp) {
  // First range whose last >= cp; the tables are sorted and disjoint.
  auto it = std::lower_bound(std::begin(ranges), std::end(ranges), cp,
                             [](const CodePointRange& r, char32_t c) { return r.last < c; });
  return it != std::end(ranges) && it->first <= cp;
}

}  // namespace

bool is_letter(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return in_ranges(kLetterRanges, cp);
}

bool is_number(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(kNumberRanges, cp);
}

bool is_whitespace(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_case_ignorable(char32_t cp) {
  return in_ranges(kCaseIgnorableRanges, cp);
}

bool is_cased(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return in_ranges(kCasedRanges, cp);
}

bool is_control(char32_t cp) {
  // U+001C..U+001F are whitespace to str.isspace() but not to Unicode (White_Space): ftfy and
  // BERT's BasicTokenizer drop them like the other C0 controls, so they count as controls here.
  if (cp < 0x20) return cp < 0x09 || cp > 0x0D;
  return cp >= 0x7F && cp <= 0x9F && cp != 0x85;
}

char32_t to_lower(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  auto it = std::lower_bound(std::begin(kLowerRuns), std::end(kLowerRuns), cp,
                             [](const LowerRun& r, char32_t c) { return r.last < c; });
  if (it == std::end(kLowerRuns) || it->first > cp || (cp - it->first) % it->stride != 0) return cp;
  return static_cast<char32_t>(static_cast<long>(cp) + it->delta);
}

}  // namespace drf::unicode
