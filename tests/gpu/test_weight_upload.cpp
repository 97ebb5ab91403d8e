// Weights read from a file straight to a GPU through pinned staging buffers
// (gpu/pinned_file_upload.cpp, registered with the backend): the same values as the CPU path for
// tensors of one chunk, several chunks and a ragged last chunk, every dtype the loader converts,
// an index-less device, several threads at once; NaN / Inf in every chunk are counted and named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/io/file_to_device.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/errors.h"
#include "tests/gpu/gpu_test_support.h"

using namespace drf;

namespace {

const torch::Device kGpu(torch::kCUDA, 0);

struct TempFile {
  std::string path = "/tmp/driffusion-upload-" + std::to_string(::getpid()) + ".safetensors";
  ~TempFile() { ::unlink(path.c_str()); }
};

std::map<std::string, torch::Tensor> sample_tensors() {
  torch::manual_seed(7);
  std::map<std::string, torch::Tensor> t;
  t["small_f16"] = torch::randn({3, 5}).to(torch::kFloat16);
  t["one_chunk_f16"] = torch::randn({4096, 1024}).to(torch::kFloat16);           // 8 MiB: exactly one chunk
  t["three_chunks_f32"] = torch::randn({5 * 1024 * 1024 + 7});                    // 20 MiB + 28 B: buffers reused
  t["ragged_f32"] = torch::randn({3 * 1024 * 1024 + 37});                         // 12 MiB + 148 B
  t["ragged_bf16"] = torch::randn({5, 1024 * 1024 + 3}).to(torch::kBFloat16);    // 10 MiB + 30 B
  t["ints"] = torch::arange(1000, torch::kInt64);
  t["flags"] = torch::tensor({1, 0, 1}, torch::kBool);
  return t;
}

}  // namespace

TEST(WeightUpload, TheBackendRegistersTheStagedCopy) {
  DRF_REQUIRE_GPUS(1);
  EXPECT_NE(file_to_device_copy(), nullptr);
}

TEST(WeightUpload, GivesTheBytesOfTheCpuPathForEveryShapeAndDtype) {
  DRF_REQUIRE_GPUS(1);
  TempFile f;
  const auto tensors = sample_tensors();
  write_safetensors(f.path, tensors);
  const SafetensorsFile file(f.path);
  for (const auto& [name, stored] : tensors) {
    for (auto dtype : {stored.scalar_type(), torch::kFloat32}) {
      if (stored.scalar_type() == torch::kBool && dtype != torch::kBool) continue;
      const auto cpu = file.tensor(name, dtype);
      const auto gpu = file.tensor(name, dtype, kGpu);
      ASSERT_TRUE(gpu.is_cuda()) << name;
      EXPECT_EQ(gpu.scalar_type(), dtype) << name;
      EXPECT_TRUE(torch::equal(gpu.cpu(), cpu)) << name << " as " << dtype;
    }
  }
  // "cuda" without an index loads to the current device.
  const auto current = file.tensor("three_chunks_f32", torch::kFloat32, torch::Device(torch::kCUDA));
  EXPECT_TRUE(torch::equal(current.cpu(), tensors.at("three_chunks_f32")));
}

TEST(WeightUpload, SeveralThreadsAtOnceEachGetTheirOwnTensors) {
  DRF_REQUIRE_GPUS(1);
  TempFile f;
  const auto tensors = sample_tensors();
  write_safetensors(f.path, tensors);
  const SafetensorsFile file(f.path);
  const std::vector<std::string> names = {"one_chunk_f16", "three_chunks_f32", "ragged_bf16", "small_f16"};
  std::vector<std::vector<torch::Tensor>> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        for (const auto& n : names) got[t].push_back(file.tensor(n, torch::kFloat32, kGpu));
    });
  for (auto& t : threads) t.join();
  torch::cuda::synchronize();
  for (int t = 0; t < 8; ++t)
    for (std::size_t i = 0; i < got[t].size(); ++i)
      EXPECT_TRUE(torch::equal(got[t][i].cpu(), tensors.at(names[i % names.size()]).to(torch::kFloat32)))
          << "thread " << t << " tensor " << names[i % names.size()];
}

TEST(WeightUpload, ANanInALaterChunkIsFoundAndNamed) {
  DRF_REQUIRE_GPUS(1);
  TempFile f;
  auto bad = torch::randn({6 * 1024 * 1024 + 5}).to(torch::kFloat16);  // 12 MiB + 10 B: two chunks
  bad[3].fill_(-INFINITY);                                              // in the first chunk
  bad[10 * 1024 * 1024 / 2 + 11].fill_(NAN);                            // in the second
  bad[bad.numel() - 1].fill_(INFINITY);                                 // its ragged end
  write_safetensors(f.path, {{"decoder.weight", bad}});
  const SafetensorsFile file(f.path);
  try {
    file.tensor("decoder.weight", torch::kFloat16, kGpu);
    FAIL() << "a NaN went to the GPU unnoticed";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("decoder.weight"), std::string::npos) << what;
    EXPECT_NE(what.find("3 non-finite values"), std::string::npos) << what << " (every chunk counted)";
  }
}
