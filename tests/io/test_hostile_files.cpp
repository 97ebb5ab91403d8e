// Hostile and broken model files: every one must give an InputError whose message names the file
// and the problem, with no crash, no hang and no large allocation.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "core/io/safetensors_reader.h"
#include "io_test_util.h"

using namespace drf;

namespace hostile_files_test {  // named: an anonymous fixture base warns (-Wsubobject-linkage) inside a unity batch

const std::string kTwoTensors = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]}})";

class HostileSafetensors : public ::testing::Test {
 protected:
  // Writes `bytes` as <name> and returns the reader's error message (asserting it names the file).
  std::string error_for(const std::string& bytes, const std::string& name = "model.safetensors") {
    const std::string path = dir_.file(name);
    test::write_bytes(path, bytes);
    const std::string msg = test::input_error_of([&] { SafetensorsFile f(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    return msg;
  }
  std::string error_for_header(const std::string& header, std::size_t data_bytes) {
    return error_for(test::safetensors_bytes(header, std::string(data_bytes, '\0')));
  }
  test::ScratchDir dir_;
};

#define EXPECT_MENTIONS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << (msg)

}  // namespace hostile_files_test
using namespace hostile_files_test;

TEST_F(HostileSafetensors, TruncatedFilesAtEveryLength) {
  const std::string good = test::safetensors_bytes(kTwoTensors, std::string(16, '\0'));
  test::write_bytes(dir_.file("good.safetensors"), good);
  EXPECT_NO_THROW(SafetensorsFile f(dir_.file("good.safetensors")));
  for (std::size_t n = 0; n < good.size(); ++n) error_for(good.substr(0, n));
  EXPECT_MENTIONS(error_for(good.substr(0, 5)), "too short");
  EXPECT_MENTIONS(error_for(good.substr(0, 40)), "larger than the file");
  EXPECT_MENTIONS(error_for(good.substr(0, good.size() - 3)), "beyond the file");
}

TEST_F(HostileSafetensors, AbsurdHeaderLengths) {
  EXPECT_MENTIONS(error_for(test::le64(1ull << 63) + "{}"),
                  "header length 9223372036854775808 is larger than the file");
  EXPECT_MENTIONS(error_for(test::le64(~0ull) + std::string(100, ' ')), "larger than the file");
  EXPECT_MENTIONS(error_for(test::le64(0) + "{}"), "does not start with a JSON object");
  // A sparse 120 MB file whose header claims 110 MB: inside the file but over the cap.
  const std::string path = dir_.file("sparse.safetensors");
  test::write_bytes(path, test::le64(110ull << 20) + "{");
  ASSERT_EQ(::truncate(path.c_str(), 120ll << 20), 0);
  EXPECT_MENTIONS(test::input_error_of([&] { SafetensorsFile f(path); }), "above the 100 MB limit");
}

TEST_F(HostileSafetensors, OffsetsOutsideTheFile) {
  const std::string msg = error_for_header(R"({"x.weight":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})", 16);
  EXPECT_MENTIONS(msg, "tensor 'x.weight' has data_offsets [16, 32] beyond the file");
  EXPECT_MENTIONS(error_for_header(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 16),
                  "end before they begin");
  // Huge shapes in a 100-byte file fail on offsets before anything is allocated.
  EXPECT_MENTIONS(
      error_for_header(R"({"x":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}})", 8),
      "beyond the file");
}

TEST_F(HostileSafetensors, OverlappingGappedAndMisalignedTensors) {
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                   R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                                   24),
                  "tensors 'a' [0, 16] and 'b' [8, 24] overlap");
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[4,20]}})", 20),
                  "bytes [0, 4) belong to no tensor");
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12),
                  "4 bytes after the last tensor");
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                                   8),
                  "overlap");
}

TEST_F(HostileSafetensors, DtypeAndShapeMustMatchTheByteRange) {
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 12),
                  "tensor 'w' (F32 [2, 2] = 16 bytes) has data_offsets [0, 12] covering 12 bytes");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,2]}})", 2),
                  "unknown dtype 'Q4_K'");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                  "not a non-negative integer");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
                  "not a non-negative integer");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
                  "overflows");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,8]}})", 8),
                  "byte size overflows");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4), "no \"dtype\"");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4), "no \"shape\"");
  EXPECT_MENTIONS(error_for_header(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                  "no \"data_offsets\"");
  EXPECT_MENTIONS(
      error_for_header(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4),
      "17 dimensions");
}

TEST_F(HostileSafetensors, MalformedHeaderJson) {
  std::string deep = "{\"a\":{\"shape\":" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  EXPECT_MENTIONS(error_for_header(deep, 0), "nests deeper");
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", 4), "not valid JSON");
  EXPECT_MENTIONS(error_for_header("{\"bad\xff\xfename\":{}}", 0), "UTF-8");
  EXPECT_MENTIONS(error_for_header(R"({"a":5})", 0), "entry 'a' is not a JSON object");
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[1e99999],"data_offsets":[0,4]}})", 4),
                  "number overflow");
  EXPECT_MENTIONS(error_for_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                   R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                   4),
                  "'a' appears twice");
  EXPECT_MENTIONS(error_for_header(R"({"__metadata__":{"k":1}})", 0), "__metadata__ value for 'k' is not a string");
  EXPECT_MENTIONS(error_for_header(R"([1,2])", 0), "does not start with a JSON object");
  // Control characters and raw bytes of a hostile name are escaped in the message.
  const std::string msg =
      error_for_header("{\"evil\\u001b[31m\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", 0);
  EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
  EXPECT_MENTIONS(msg, "\\x1b");
}

TEST_F(HostileSafetensors, PickleAndZipCheckpointsAreRefusedWithConversionAdvice) {
  const std::string pickle =
      std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14) + "rest of a pickle";
  for (const std::string& msg :
       {error_for(pickle), error_for(std::string("PK\x03\x04\x14\0\0\0\x08\0", 10) + "archive/data.pkl"),
        error_for("anything", "model.ckpt"), error_for("", "pytorch_model.bin")}) {
    EXPECT_MENTIONS(msg, "pickle");
    EXPECT_MENTIONS(msg, "from safetensors.torch import save_file");
  }
}

TEST_F(HostileSafetensors, NotAFile) {
  EXPECT_MENTIONS(error_for(""), "empty");
  std::filesystem::create_directory(dir_.file("folder.safetensors"));
  EXPECT_MENTIONS(test::input_error_of([&] { SafetensorsFile f(dir_.file("folder.safetensors")); }), "is a directory");
  EXPECT_MENTIONS(test::input_error_of([&] { SafetensorsFile f(dir_.file("missing.safetensors")); }), "no such file");
  ASSERT_EQ(::mkfifo(dir_.file("fifo.safetensors").c_str(), 0600), 0);  // would block a naive open()
  EXPECT_MENTIONS(test::input_error_of([&] { SafetensorsFile f(dir_.file("fifo.safetensors")); }),
                  "not a regular file");
}

TEST_F(HostileSafetensors, RandomCorruptionNeverEscapesAsAnythingButInputError) {
  const std::string good = test::safetensors_bytes(kTwoTensors, std::string(16, '\x3c'));
  const std::string path = dir_.file("mutant.safetensors");
  std::mt19937 rng(1234);
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  int parsed = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string m = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) m[rng() % m.size()] = static_cast<char>(rng() % 256);
    test::write_bytes(path, m);
    try {
      SafetensorsFile f(path);
      for (const auto& name : f.names()) f.tensor(name, torch::kFloat32);
      ++parsed;
    } catch (const InputError&) {
    }
  }
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_GT(parsed, 0);  // some mutations only touch tensor data
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "peak memory grew by more than 64 MB";
}
