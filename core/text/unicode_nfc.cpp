#include "core/text/unicode_nfc.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>

namespace drf::unicode {
namespace {

struct Decomposition {
  char32_t cp, first, second;  // second == 0: a singleton
};
struct CombiningClassRun {
  char32_t first, last;
  int ccc;
};
struct Composition {
  char32_t first, second, composite;
};

#include "core/text/unicode_nfc_tables.inc"

// Hangul syllables decompose and compose arithmetically (Unicode chapter 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;
// No code point below this changes under NFC, nor combines with what precedes it.
constexpr char32_t kFirstNfcActive = 0x300;

const Decomposition* find_decomposition(char32_t cp) {
  auto it = std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), cp,
                             [](const Decomposition& d, char32_t c) { return d.cp < c; });
  return it != std::end(kDecompositions) && it->cp == cp ? &*it : nullptr;
}

// Appends the full canonical decomposition of cp.
void append_decomposed(char32_t cp, std::u32string& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (const Decomposition* d = find_decomposition(cp)) {
    append_decomposed(d->first, out);
    if (d->second != 0) append_decomposed(d->second, out);
    return;
  }
  out.push_back(cp);
}

// Canonical ordering: every run of combining marks sorted by class, stably (a sort, not the
// usual insertion, so that a long run of marks costs n log n).
void order_marks(std::u32string& text) {
  const auto by_class = [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); };
  for (std::size_t i = 0; i < text.size();) {
    if (combining_class(text[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() && combining_class(text[end]) != 0) ++end;
    std::stable_sort(text.begin() + static_cast<std::ptrdiff_t>(i), text.begin() + static_cast<std::ptrdiff_t>(end),
                     by_class);
    i = end;
  }
}

// The primary composite of (first, second), or 0.
char32_t compose(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount)
    return first + (second - kTBase);
  auto it = std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::make_pair(first, second),
                             [](const Composition& c, const std::pair<char32_t, char32_t>& key) {
                               return c.first != key.first ? c.first < key.first : c.second < key.second;
                             });
  return it != std::end(kCompositions) && it->first == first && it->second == second ? it->composite : 0;
}

}  // namespace

int combining_class(char32_t cp) {
  if (cp < kFirstNfcActive) return 0;
  auto it = std::lower_bound(std::begin(kCombiningClasses), std::end(kCombiningClasses), cp,
                             [](const CombiningClassRun& r, char32_t c) { return r.last < c; });
  return it != std::end(kCombiningClasses) && it->first <= cp ? it->ccc : 0;
}

std::u32string to_nfc(const std::u32string& text) {
  if (std::all_of(text.begin(), text.end(), [](char32_t c) { return c < kFirstNfcActive; })) return text;
  std::u32string decomposed;
  decomposed.reserve(text.size());
  for (char32_t c : text) append_decomposed(c, decomposed);
  order_marks(decomposed);

  // Canonical composition: each character joins the last starter unless a character of the same
  // or a higher class stands between them (it is "blocked").
  std::u32string out;
  out.reserve(decomposed.size());
  std::size_t starter = std::u32string::npos;
  int last_class = 0;
  for (char32_t c : decomposed) {
    const int ccc = combining_class(c);
    if (starter != std::u32string::npos && (last_class < ccc || last_class == 0)) {
      if (const char32_t composite = compose(out[starter], c)) {
        out[starter] = composite;
        continue;
      }
    }
    if (ccc == 0) starter = out.size();
    last_class = ccc;
    out.push_back(c);
  }
  return out;
}

}  // namespace drf::unicode
