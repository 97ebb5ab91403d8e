// Weights with NaN or Inf would give an all-black image with exit 0: the safetensors reader
// refuses such a tensor when it is loaded, naming the file and the tensor (escaped).
#include <gtest/gtest.h>

#include <limits>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/errors.h"
#include "tests/io/io_test_util.h"

namespace {

using drf::test::ScratchDir;

std::string load_error(const std::string& path, const std::string& name, torch::Dtype dtype) {
  try {
    drf::SafetensorsFile f(path);
    f.tensor(name, dtype);
  } catch (const drf::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(NonFiniteWeights, NaNAndInfAreRefusedNamingTheTensor) {
  ScratchDir dir;
  const std::string path = dir.file("w.safetensors");
  torch::Tensor nan = torch::ones({4, 4});
  nan[1][2] = std::numeric_limits<float>::quiet_NaN();
  torch::Tensor inf = torch::zeros({3}, torch::kFloat16);
  inf[0] = std::numeric_limits<float>::infinity();
  inf[2] = -std::numeric_limits<float>::infinity();
  drf::write_safetensors(path, {{"unet.conv_in.weight", nan},
                                {"vae.\x1b[31mred", inf},
                                {"fine", torch::randn({8})},
                                {"ids", torch::arange(5, torch::kInt64)}});
  std::string e = load_error(path, "unet.conv_in.weight", torch::kFloat32);
  EXPECT_NE(e.find("unet.conv_in.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("1 non-finite value (NaN or Inf)"), std::string::npos) << e;
  EXPECT_NE(e.find(path), std::string::npos) << e;
  e = load_error(path, "vae.\x1b[31mred", torch::kFloat32);
  EXPECT_NE(e.find("vae.\\x1b[31mred"), std::string::npos) << e;  // the name escaped
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
  EXPECT_NE(e.find("2 non-finite values"), std::string::npos) << e;
  // Finite floats and integer tensors load as before.
  drf::SafetensorsFile f(path);
  EXPECT_TRUE(torch::equal(f.tensor("ids", torch::kInt64), torch::arange(5, torch::kInt64)));
  EXPECT_EQ(f.tensor("fine", torch::kFloat32).numel(), 8);
}

}  // namespace
