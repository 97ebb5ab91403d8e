#include "core/io/non_finite_scan.h"

namespace drf {
namespace {

// A value is NaN or Inf exactly when its exponent field is all ones.
template <class U>
std::int64_t count_full_exponent(const U* v, std::size_t count, U exponent_mask) {
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < count; ++i) bad += (v[i] & exponent_mask) == exponent_mask;
  return bad;
}

}  // namespace

std::int64_t count_non_finite(const void* data, std::size_t count, FloatBits bits) {
  switch (bits) {
    case FloatBits::F16:
      return count_full_exponent(static_cast<const std::uint16_t*>(data), count, std::uint16_t{0x7c00});
    case FloatBits::BF16:
      return count_full_exponent(static_cast<const std::uint16_t*>(data), count, std::uint16_t{0x7f80});
    case FloatBits::F32:
      return count_full_exponent(static_cast<const std::uint32_t*>(data), count, std::uint32_t{0x7f800000u});
    case FloatBits::F64:
      return count_full_exponent(static_cast<const std::uint64_t*>(data), count,
                                 std::uint64_t{0x7ff0000000000000ull});
  }
  return 0;
}

}  // namespace drf
