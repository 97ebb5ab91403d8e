// SHA-256's compression function over whole 64-byte blocks, portable and with the x86 SHA
// extensions (Intel since Goldmont / Ice Lake, AMD since Zen): the portable code hashes ~240 MB/s,
// so a 6.9 GB SDXL checkpoint took ~29 s; the extensions do the same rounds several times faster.
// sha256.cpp picks one per machine; both are here so the tests can compare them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace drf {

// The 64 round constants of FIPS 180-4 (defined in sha256.cpp), for both implementations.
extern const std::uint32_t kSha256RoundConstants[64];

void sha256_blocks_portable(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks);

// True when this CPU has the SHA extensions (and this build targets x86-64).
bool sha256_blocks_hw_available();
// Call only when sha256_blocks_hw_available().
void sha256_blocks_hw(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks);

}  // namespace drf
