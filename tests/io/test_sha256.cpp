// SHA-256 against FIPS 180-4 vectors and a 1 MB file whose digest was computed with coreutils
// sha256sum (bytes i % 251 for i in 0..1048575).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/io/file_hash_cache.h"
#include "core/io/sha256.h"
#include "core/io/sha256_blocks.h"
#include "io_test_util.h"
#include "tests/support/scoped_env.h"

using namespace drf;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  for (std::size_t split : {0, 1, 55, 56, 63, 64, 65, 127, 999}) {
    Sha256 h;
    h.update(data.data(), split);
    h.update(data.data() + split, data.size() - split);
    const auto d = h.finish();
    EXPECT_EQ(to_hex(d.data(), d.size()), sha256_hex(data)) << "split at " << split;
  }
}

TEST(Sha256, FileDigestAndModelHash) {
  test::ScratchDir dir;
  std::string pattern(1u << 20, '\0');
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i % 251);
  test::write_bytes(dir.file("pattern.bin"), pattern);
  const std::string expected = "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769";
  EXPECT_EQ(sha256_file_hex(dir.file("pattern.bin")), sha256_hex(pattern));
  EXPECT_EQ(sha256_file_hex(dir.file("pattern.bin")), expected);
  EXPECT_EQ(model_hash(dir.file("pattern.bin")), expected.substr(0, 10));
  int calls = 0;
  sha256_file_hex(dir.file("pattern.bin"), [&](std::uint64_t done, std::uint64_t total) {
    ++calls;
    EXPECT_LE(done, total);
  });
  EXPECT_GE(calls, 1);
}

TEST(Sha256, MissingFileIsAnInputErrorNamingIt) {
  const std::string msg = test::input_error_of([] { sha256_file_hex("/nonexistent/model.safetensors"); });
  EXPECT_NE(msg.find("/nonexistent/model.safetensors"), std::string::npos) << msg;
}

TEST(Sha256, ModelHashesAreRememberedUntilTheFileChanges) {
  test::ScratchDir dir;
  const std::string cache_dir = dir.file("cache");
  test::ScopedEnv cache_env("DRIFFUSION_CACHE_DIR", cache_dir);
  ASSERT_EQ(file_hash_cache_path(), std::filesystem::path(cache_dir) / "file-hashes.json");
  const std::string model = dir.file("model.bin");
  test::write_bytes(model, "first version");
  EXPECT_EQ(cached_sha256_file_hex(model), sha256_hex("first version"));
  ASSERT_TRUE(std::filesystem::exists(file_hash_cache_path()));

  // A remembered digest is what comes back while the file is unchanged: planted in the cache,
  // it is returned without reading the file (this is what saves the ~29 s of an SDXL file).
  std::ifstream in(file_hash_cache_path());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string real = sha256_hex("first version");
  const std::string planted(64, 'a');
  ASSERT_NE(text.find(real), std::string::npos);
  text.replace(text.find(real), real.size(), planted);
  test::write_bytes(file_hash_cache_path().string(), text);
  EXPECT_EQ(cached_sha256_file_hex(model), planted);
  EXPECT_EQ(model_hash(model), planted.substr(0, 10));

  // A rewritten file (size and time change) is hashed again, and the new digest remembered.
  test::write_bytes(model, "second, longer version");
  EXPECT_EQ(cached_sha256_file_hex(model), sha256_hex("second, longer version"));
  EXPECT_EQ(cached_sha256_file_hex(model), sha256_hex("second, longer version"));

  // A corrupt cache is rebuilt; an unwritable one only means hashing every time.
  test::write_bytes(file_hash_cache_path().string(), "{\"version\": 1, \"files\": [1, 2");
  EXPECT_EQ(cached_sha256_file_hex(model), sha256_hex("second, longer version"));
  cache_env.set("/proc/driffusion-no-such-dir");
  EXPECT_EQ(cached_sha256_file_hex(model), sha256_hex("second, longer version"));
}

TEST(Sha256, CpuExtensionsGiveThePortableResult) {
  if (!sha256_blocks_hw_available()) GTEST_SKIP() << "this CPU has no SHA extensions";
  std::string data(64 * 37, '\0');
  std::uint32_t seed = 12345;
  for (char& c : data) c = static_cast<char>((seed = seed * 1103515245u + 12345u) >> 24);
  for (std::size_t blocks : {1u, 2u, 37u}) {
    std::uint32_t portable[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::uint32_t hw[8];
    std::copy(portable, portable + 8, hw);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
    sha256_blocks_portable(portable, bytes, blocks);
    sha256_blocks_hw(hw, bytes, blocks);
    EXPECT_TRUE(std::equal(portable, portable + 8, hw)) << blocks << " blocks";
  }
}
