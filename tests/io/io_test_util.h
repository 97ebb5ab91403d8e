// Helpers shared by the io tests: a scratch folder removed afterwards, raw file writing, and a
// builder for hand-made safetensors bytes (header JSON + data), so hostile files can be crafted
// byte by byte.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/io/remove_tree.h"
#include "core/util/errors.h"

namespace drf::test {

#ifndef DRF_IO_TEST_DATA
#error "DRF_IO_TEST_DATA must name tests/io/data"
#endif
inline std::string data_path(const std::string& rel) {
  return std::string(DRF_IO_TEST_DATA) + "/" + rel;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "drf-io-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    drf::remove_tree(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }
  std::size_t entry_count() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path_)) ++n;
    return n;
  }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

// 8-byte length + header text + data, exactly as the format lays them out.
inline std::string safetensors_bytes(const std::string& header_json, const std::string& data) {
  return le64(header_json.size()) + header_json + data;
}

// Runs `f`, expects an InputError, and returns its message for content checks.
inline std::string input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InputError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected InputError, nothing was thrown";
  return "";
}

}  // namespace drf::test
