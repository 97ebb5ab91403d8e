// The safetensors writer and reader together: values, dtypes, metadata, conversion to the
// compute dtype, a hand-written file as the reference writer lays it out, and the atomic write
// leaving nothing behind when it fails.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "io_test_util.h"

using namespace drf;

TEST(Safetensors, WriteThenReadKeepsValuesDtypesAndMetadata) {
  test::ScratchDir dir;
  const std::string path = dir.file("model.safetensors");
  std::map<std::string, torch::Tensor> tensors = {
      {"unet.conv_in.weight", torch::randn({4, 3, 3, 3})},
      {"unet.half", torch::randn({5, 7}).to(torch::kFloat16)},
      {"unet.bf16", torch::randn({6}).to(torch::kBFloat16)},
      {"text.position_ids", torch::arange(77, torch::kInt64).unsqueeze(0)},
      {"mask", torch::tensor({true, false, true})},
      {"empty", torch::zeros({0, 4})},
      {"scalar", torch::tensor(3.5)},
  };
  write_safetensors(path, tensors, {{"format", "pt"}, {"note", "é ü"}});
  EXPECT_EQ(dir.entry_count(), 1u) << "no temporary file may remain";

  SafetensorsFile f(path);
  EXPECT_EQ(f.size(), tensors.size());
  EXPECT_EQ(f.names().front(), "empty");  // sorted
  EXPECT_EQ(f.metadata().at("note"), "é ü");
  EXPECT_EQ(f.dtype("unet.half"), SafetensorsDtype::F16);
  EXPECT_EQ(f.dtype("unet.bf16"), SafetensorsDtype::BF16);
  EXPECT_EQ(f.dtype("mask"), SafetensorsDtype::BOOL);
  EXPECT_EQ(f.shape("text.position_ids"), (std::vector<std::int64_t>{1, 77}));
  EXPECT_TRUE(f.shape("scalar").empty());
  for (const auto& [name, t] : tensors) {
    auto back = f.tensor(name, t.scalar_type());
    EXPECT_TRUE(torch::equal(back, t)) << name;
  }
  // Converted to the compute dtype on load.
  auto as_float = f.tensor("unet.half", torch::kFloat32);
  EXPECT_EQ(as_float.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(as_float, tensors["unet.half"].to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(f.tensor("unet.conv_in.weight", torch::kBFloat16),
                           tensors["unet.conv_in.weight"].to(torch::kBFloat16)));
  EXPECT_NEAR(f.tensor("scalar", torch::kFloat64).item<double>(), 3.5, 0.0);
  EXPECT_NE(test::input_error_of([&] { f.tensor("missing.weight", torch::kFloat32); }).find("missing.weight"),
            std::string::npos);
}

TEST(Safetensors, ReadsAHandWrittenFileWithPaddingAndUnsortedKeys) {
  // Layout as the Python safetensors package writes it: header padded with spaces to 8 bytes.
  test::ScratchDir dir;
  const float a[2] = {1.5f, -2.0f};
  const std::uint16_t b_f16[3] = {0x3C00, 0x4000, 0xC400};  // 1, 2, -4 in IEEE half
  std::string data(reinterpret_cast<const char*>(a), sizeof a);
  data.append(reinterpret_cast<const char*>(b_f16), sizeof b_f16);
  std::string header = R"({"b":{"dtype":"F16","shape":[3],"data_offsets":[8,14]},)"
                       R"("__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  test::write_bytes(dir.file("m.safetensors"), test::safetensors_bytes(header, data));
  SafetensorsFile f(dir.file("m.safetensors"));
  EXPECT_EQ(f.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(torch::equal(f.tensor("a", torch::kFloat32), torch::tensor({1.5f, -2.0f}).view({2, 1})));
  EXPECT_TRUE(torch::equal(f.tensor("b", torch::kFloat32), torch::tensor({1.0f, 2.0f, -4.0f})));
  EXPECT_EQ(f.metadata().at("format"), "pt");
}

TEST(Safetensors, UnloadableDtypeIsNamed) {
  test::ScratchDir dir;
  const std::string header = R"({"u":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}})";
  test::write_bytes(dir.file("u.safetensors"), test::safetensors_bytes(header, std::string(4, '\1')));
  SafetensorsFile f(dir.file("u.safetensors"));
  const std::string msg = test::input_error_of([&] { f.tensor("u", torch::kFloat32); });
  EXPECT_NE(msg.find("'u'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("U16"), std::string::npos) << msg;
}

TEST(Safetensors, BoolBytesOtherThanZeroOrOneBecomeTrue) {
  test::ScratchDir dir;
  const std::string header = R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})";
  test::write_bytes(dir.file("b.safetensors"), test::safetensors_bytes(header, std::string("\0\1\7", 3)));
  auto m = SafetensorsFile(dir.file("b.safetensors")).tensor("m", torch::kBool);
  EXPECT_TRUE(torch::equal(m, torch::tensor({false, true, true})));
}

TEST(SafetensorsWriter, FailedWriteLeavesNothingBehind) {
  test::ScratchDir dir;
  std::map<std::string, torch::Tensor> t = {{"w", torch::ones({2})}};
  // The target is an existing folder: rename fails after the data was written.
  std::filesystem::create_directory(dir.file("taken"));
  std::filesystem::create_directory(dir.file("taken/child"));
  EXPECT_THROW(write_safetensors(dir.file("taken"), t), IoError);
  EXPECT_EQ(dir.entry_count(), 1u) << "only the folder itself may remain";
  EXPECT_THROW(write_safetensors(dir.file("no/such/folder/x.safetensors"), t), IoError);
  EXPECT_THROW(write_safetensors(dir.file("x.safetensors"), {{"__metadata__", torch::ones({1})}}), UsageError);
  EXPECT_THROW(write_safetensors(dir.file("x.safetensors"), {{"c", torch::ones({1}, torch::kComplexFloat)}}),
               UsageError);
  EXPECT_THROW(write_safetensors(dir.file("x.safetensors"), {{std::string("bad\xff", 4), torch::ones({1})}}),
               UsageError);
  EXPECT_EQ(dir.entry_count(), 1u);
}

TEST(SafetensorsWriter, ReplacesAnExistingFileWhole) {
  test::ScratchDir dir;
  const std::string path = dir.file("m.safetensors");
  write_safetensors(path, {{"w", torch::zeros({1000})}});
  write_safetensors(path, {{"v", torch::ones({3})}});
  SafetensorsFile f(path);
  EXPECT_EQ(f.names(), std::vector<std::string>{"v"});
  EXPECT_EQ(dir.entry_count(), 1u);
}
