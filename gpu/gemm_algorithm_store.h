// Which cuBLASLt algorithm won the timing for a matrix-product shape, remembered across runs in
// the user's cache folder (core/io/user_cache.h, "gemm-algorithms.json"), as the file hashes are:
// timing ~100 SDXL shapes x 8 candidates cost the first image of every process part of a second.
// cuBLASLt documents its algorithm struct as storable and reusable with the same library version;
// keys hold the device's name and the cuBLASLt version, and cublaslt_linear.cpp uses a stored
// algorithm only while cuBLASLt still offers it for the shape. Thread-safe.
#pragma once
#include <cublasLt.h>

#include <optional>
#include <string>

namespace drf::gpu {

// The store's key for a product: `shape` (the caller's description of dtype, sizes, strides,
// epilogue and alignments) on the device with that name, under this cuBLASLt version.
std::string gemm_algorithm_key(const std::string& device_name, const std::string& shape);

std::optional<cublasLtMatmulAlgo_t> stored_gemm_algorithm(const std::string& key);
// Adds the choice to the file (a missing or unwritable cache folder only costs the timing again).
void store_gemm_algorithm(const std::string& key, const cublasLtMatmulAlgo_t& algorithm);

}  // namespace drf::gpu
