#include "core/io/sha256_blocks.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace drf {

#if defined(__x86_64__) && defined(__GNUC__)

bool sha256_blocks_hw_available() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool ssse3_sse41 = (ecx & (1u << 9)) && (ecx & (1u << 19));
  if (!ssse3_sse41 || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (ebx & (1u << 29)) != 0;  // CPUID.(EAX=7, ECX=0):EBX.SHA
}

namespace {

// The round constants four at a time, as the 128-bit lanes the round instruction adds.
__attribute__((target("sha,sse4.1,ssse3"))) inline __m128i constants(int group) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(kSha256RoundConstants + 4 * group));
}

}  // namespace

__attribute__((target("sha,sse4.1,ssse3"))) void sha256_blocks_hw(std::uint32_t state[8], const std::uint8_t* data,
                                                                   std::size_t blocks) {
  // Big-endian message words; the round instruction keeps the state as (A,B,E,F) and (C,D,G,H).
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));         // D C B A
  __m128i cdgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));    // H G F E
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                                             // C D A B
  cdgh = _mm_shuffle_epi32(cdgh, 0x1B);                                           // E F G H
  __m128i abef = _mm_alignr_epi8(tmp, cdgh, 8);                                   // A B E F
  cdgh = _mm_blend_epi16(cdgh, tmp, 0xF0);                                        // C D G H
  for (std::size_t b = 0; b < blocks; ++b, data += 64) {
    const __m128i abef_before = abef, cdgh_before = cdgh;
    __m128i w[4];  // the last four groups of four schedule words
    for (int g = 0; g < 16; ++g) {
      __m128i words;
      if (g < 4) {
        words = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), byte_swap);
      } else {
        // w[t] = s1(w[t-2]) + w[t-7] + s0(w[t-15]) + w[t-16] for the four words of group g.
        words = _mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]);
        words = _mm_add_epi32(words, _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4));
        words = _mm_sha256msg2_epu32(words, w[(g + 3) % 4]);
      }
      w[g % 4] = words;
      __m128i msg = _mm_add_epi32(words, constants(g));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);  // two rounds: the new A,B,E,F (old ones: C,D,G,H)
      msg = _mm_shuffle_epi32(msg, 0x0E);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, msg);  // the first result is now C,D,G,H
    }
    abef = _mm_add_epi32(abef, abef_before);
    cdgh = _mm_add_epi32(cdgh, cdgh_before);
  }
  tmp = _mm_shuffle_epi32(abef, 0x1B);                  // F E B A
  cdgh = _mm_shuffle_epi32(cdgh, 0xB1);                 // D C H G
  abef = _mm_blend_epi16(tmp, cdgh, 0xF0);              // D C B A
  cdgh = _mm_alignr_epi8(cdgh, tmp, 8);                 // H G F E
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), abef);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), cdgh);
}

#else

bool sha256_blocks_hw_available() { return false; }
void sha256_blocks_hw(std::uint32_t*, const std::uint8_t*, std::size_t) {}

#endif

}  // namespace drf
