// NaN / Inf detection over raw IEEE floats by their exponent bits. A weight file with a NaN or an
// Inf makes every image black, so the loader refuses it (safetensors_reader.cpp); this scan does
// that at memory speed, where torch::isfinite on half-precision CPU tensors took 12-18 s of an
// SDXL file's 6.9 GB (several passes with temporaries, 0.4 GB/s).
#pragma once
#include <cstddef>
#include <cstdint>

namespace drf {

enum class FloatBits { F16, BF16, F32, F64 };

// The number of NaN and Inf values among `count` values at `data` (aligned for the type).
std::int64_t count_non_finite(const void* data, std::size_t count, FloatBits bits);

}  // namespace drf
