// Weights with NaN or Inf would give an all-black image with exit 0: the safetensors reader
// refuses such a tensor when it is loaded, naming the file and the tensor (escaped).
#include <gtest/gtest.h>

#include <limits>

#include "core/io/non_finite_scan.h"
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

TEST(NonFiniteWeights, TheBitScanAgreesWithIsfiniteForEveryFloatType) {
  // Every 16-bit pattern as fp16 and bf16 (NaNs with any payload, both infinities, subnormals,
  // -0), and float / double tensors with NaN, +-Inf, the largest finite values and subnormals.
  torch::Tensor bits = torch::arange(0, 65536, torch::kInt32).to(torch::kInt16);
  for (auto dtype : {torch::kFloat16, torch::kBFloat16}) {
    torch::Tensor all = bits.view(dtype);
    const std::int64_t expected = all.numel() - torch::isfinite(all).sum().item<std::int64_t>();
    EXPECT_EQ(drf::count_non_finite(all.data_ptr(), static_cast<std::size_t>(all.numel()),
                                    dtype == torch::kFloat16 ? drf::FloatBits::F16 : drf::FloatBits::BF16),
              expected);
    EXPECT_EQ(expected, dtype == torch::kFloat16 ? 2 * 1024 : 2 * 128);  // exponent all ones, either sign
  }
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::denorm_min(), -0.0, 1.5};
  torch::Tensor d = torch::tensor(std::vector<double>(std::begin(specials), std::end(specials)), torch::kFloat64);
  EXPECT_EQ(drf::count_non_finite(d.data_ptr(), 7, drf::FloatBits::F64), 3);
  torch::Tensor f = d.to(torch::kFloat32);  // max overflows to Inf in float
  EXPECT_EQ(drf::count_non_finite(f.data_ptr(), 7, drf::FloatBits::F32),
            f.numel() - torch::isfinite(f).sum().item<std::int64_t>());
  f[3] = std::numeric_limits<float>::max();
  EXPECT_EQ(drf::count_non_finite(f.data_ptr(), 7, drf::FloatBits::F32), 3);
}

}  // namespace
