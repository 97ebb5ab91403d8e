#include "gpu/gemm_algorithm_store.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#include "core/io/user_cache.h"

namespace drf::gpu {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxEntries = 4096;  // a store that grew past this starts over
constexpr const char* kSection = "algorithms";

static_assert(sizeof(cublasLtMatmulAlgo_t) == 8 * sizeof(std::uint64_t), "cuBLASLt's algorithm is 8 words");

std::string to_hex(const cublasLtMatmulAlgo_t& a) {
  std::string out;
  char word[17];
  for (std::uint64_t v : a.data) {
    std::snprintf(word, sizeof word, "%016llx", static_cast<unsigned long long>(v));
    out += word;
  }
  return out;
}

std::optional<cublasLtMatmulAlgo_t> from_hex(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() != 128 || s.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  cublasLtMatmulAlgo_t a{};
  for (int i = 0; i < 8; ++i) a.data[i] = std::stoull(s.substr(16 * i, 16), nullptr, 16);
  return a;
}

fs::path store_file() {
  const fs::path dir = user_cache_dir();
  return dir.empty() ? fs::path() : dir / "gemm-algorithms.json";
}

struct Store {
  std::mutex mutex;
  bool read = false;
  std::map<std::string, cublasLtMatmulAlgo_t> algorithms;
};

Store& store() {
  static Store s;
  return s;
}

// The file's entries, read once per process (under the store's lock).
void read_once(Store& s) {
  if (s.read) return;
  s.read = true;
  const fs::path file = store_file();
  if (file.empty()) return;
  const json cache = read_user_cache(file, kSection);
  for (const auto& [key, value] : cache[kSection].items())
    if (auto a = from_hex(value)) s.algorithms.emplace(key, *a);
}

}  // namespace

std::string gemm_algorithm_key(const std::string& device_name, const std::string& shape) {
  return device_name + "|cublasLt " + std::to_string(cublasLtGetVersion()) + "|" + shape;
}

std::optional<cublasLtMatmulAlgo_t> stored_gemm_algorithm(const std::string& key) {
  Store& s = store();
  std::lock_guard<std::mutex> lock(s.mutex);
  read_once(s);
  auto it = s.algorithms.find(key);
  if (it == s.algorithms.end()) return std::nullopt;
  return it->second;
}

void store_gemm_algorithm(const std::string& key, const cublasLtMatmulAlgo_t& algorithm) {
  Store& s = store();
  std::lock_guard<std::mutex> lock(s.mutex);
  read_once(s);
  s.algorithms[key] = algorithm;
  const fs::path file = store_file();
  if (file.empty()) return;
  json cache = read_user_cache(file, kSection);  // other processes may have added entries meanwhile
  if (cache[kSection].size() >= kMaxEntries) cache[kSection] = json::object();
  cache[kSection][key] = to_hex(algorithm);
  write_user_cache(file, cache);
}

}  // namespace drf::gpu
