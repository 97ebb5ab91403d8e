// The fused CUDA kernels (gpu/fused_kernels.cu) against the reference ATen math of
// core/models/nn/fused_ops.cpp: fp32 to rounding, fp16/bf16 within a few output ulps; the same
// bits on every run; inputs the kernels do not handle fall back to the reference; and the
// whole SD 1.5 UNet in channels-last with the kernels agrees with the NCHW ATen path. The
// cuBLASLt linear product (gpu/cublaslt_linear) likewise, with its residual and output rows,
// strided batches and GELU epilogue; the MMDiT's fused path (q/k/v products into one buffer,
// LayerNorm + modulation, GELU epilogue) against float64 on the CPU.
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/models/nn/attention.h"
#include "core/models/nn/fused_ops.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/sd3/sd3_denoiser.h"
#include "core/models/unet/unet_2d_condition.h"
#include "core/io/user_cache.h"
#include "gpu/cublaslt_linear.h"
#include "gpu/gemm_algorithm_store.h"
#include "gpu/fused_ops_cuda.h"
#include "tests/gpu/gpu_test_support.h"

using namespace drf;

namespace {

const torch::Device kGpu(torch::kCUDA, 0);

// An empty cache folder for this process, set before any test runs: cuBLASLt choices remembered
// by an earlier run (gemm_algorithm_store.h) would otherwise skip the timing these tests observe.
const std::string kCacheDir = [] {
  char dir[] = "/tmp/driffusion-fused-kernels-XXXXXX";
  const char* made = ::mkdtemp(dir);
  const std::string path = made ? made : "";
  if (made) ::setenv("DRIFFUSION_CACHE_DIR", made, 1);
  return path;
}();

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

torch::Tensor channels_last_input(int64_t n, int64_t c, int64_t h, int64_t w, torch::Dtype dtype, double offset) {
  torch::manual_seed(n * 1000 + c + h);
  auto x = torch::randn({n, c, h, w}) * 1.5 + offset;  // a non-zero mean exercises the variance formula
  return x.to(kGpu, dtype).contiguous(torch::MemoryFormat::ChannelsLast);
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Tolerance for a result of magnitude ~1..5 rounded to dtype.
double tolerance(torch::Dtype dtype) {
  return dtype == torch::kFloat32 ? 2e-5 : dtype == torch::kFloat16 ? 1e-2 : 8e-2;
}

struct GroupNormCase {
  int64_t n, c, h, w, groups;
};

}  // namespace

TEST(FusedKernels, GroupNormMatchesReference) {
  DRF_REQUIRE_GPUS(1);
  // SD 1.5 / 2.1 levels, groups of 2..80 channels (some crossing an 8-channel vector), odd
  // spatial sizes, a batch of one.
  const std::vector<GroupNormCase> cases{{2, 320, 64, 64, 32}, {16, 640, 32, 32, 32}, {3, 1280, 8, 8, 32},
                                         {1, 2560, 12, 12, 32}, {2, 960, 17, 9, 32},  {5, 256, 7, 3, 32},
                                         {2, 64, 5, 5, 8},      {2, 64, 6, 6, 32},   {3, 48, 5, 7, 16}};
  for (auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16}) {
    for (const auto& k : cases) {
      auto x = channels_last_input(k.n, k.c, k.h, k.w, dtype, 0.7);
      auto weight = (torch::rand({k.c}) + 0.5).to(kGpu, dtype);
      auto bias = (torch::randn({k.c}) * 0.1).to(kGpu, dtype);
      auto shift = (torch::randn({k.n, k.c}) * 0.5).to(kGpu, dtype);
      for (bool silu : {false, true}) {
        for (bool with_shift : {false, true}) {
          const auto s = with_shift ? shift : torch::Tensor();
          auto got = gpu::cuda_group_norm(x, k.groups, weight, bias, 1e-5, silu, s);
          ASSERT_TRUE(got.defined()) << "kernel declined a channels-last input";
          EXPECT_TRUE(got.is_contiguous(torch::MemoryFormat::ChannelsLast));
          // Reference in fp32 from the same rounded inputs.
          auto want = fused::group_norm_reference(x.to(torch::kFloat32), k.groups, weight.to(torch::kFloat32),
                                                  bias.to(torch::kFloat32), 1e-5, silu,
                                                  with_shift ? shift.to(torch::kFloat32) : torch::Tensor());
          EXPECT_LT(max_abs_diff(got, want), tolerance(dtype))
              << c10::toString(dtype) << " n" << k.n << " c" << k.c << " " << k.h << "x" << k.w << " silu " << silu
              << " shift " << with_shift;
        }
      }
    }
  }
}

TEST(FusedKernels, GroupNormIsDeterministic) {
  DRF_REQUIRE_GPUS(1);
  auto x = channels_last_input(8, 640, 32, 32, torch::kFloat16, 0.3);
  auto weight = torch::ones({640}, x.options());
  auto bias = torch::zeros({640}, x.options());
  auto first = gpu::cuda_group_norm(x, 32, weight, bias, 1e-5, true, {});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(torch::equal(first, gpu::cuda_group_norm(x, 32, weight, bias, 1e-5, true, {})));
}

TEST(FusedKernels, GroupNormDeclinesWhatItDoesNotHandle) {
  DRF_REQUIRE_GPUS(1);
  auto x = channels_last_input(2, 320, 16, 16, torch::kFloat16, 0.0);
  auto weight = torch::ones({320}, x.options());
  auto bias = torch::zeros({320}, x.options());
  EXPECT_FALSE(gpu::cuda_group_norm(x.contiguous(), 32, weight, bias, 1e-5, false, {}).defined()) << "NCHW";
  EXPECT_FALSE(gpu::cuda_group_norm(x.cpu(), 32, weight.cpu(), bias.cpu(), 1e-5, false, {}).defined()) << "CPU";
  EXPECT_FALSE(gpu::cuda_group_norm(x.to(torch::kFloat64), 32, weight.to(torch::kFloat64), bias.to(torch::kFloat64),
                                    1e-5, false, {})
                   .defined())
      << "fp64";
  auto odd = channels_last_input(2, 12, 4, 4, torch::kFloat16, 0.0);  // 12 channels: not a multiple of 8
  EXPECT_FALSE(gpu::cuda_group_norm(odd, 4, torch::ones({12}, odd.options()), torch::zeros({12}, odd.options()), 1e-5,
                                    false, {})
                   .defined());
  // A [1, C] shift broadcast over the batch is left to the reference.
  EXPECT_FALSE(gpu::cuda_group_norm(x, 32, weight, bias, 1e-5, false, torch::zeros({1, 320}, x.options())).defined());
  // Through the dispatcher every one of them still gets the reference result.
  gpu::register_fused_kernels();
  auto nchw = x.contiguous();
  EXPECT_TRUE(torch::equal(fused::group_norm(nchw, 32, weight, bias, 1e-5, true),
                           fused::group_norm_reference(nchw, 32, weight, bias, 1e-5, true)));
}

TEST(FusedKernels, GegluMatchesReference) {
  DRF_REQUIRE_GPUS(1);
  for (auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16}) {
    for (auto shape : std::vector<std::vector<int64_t>>{{2, 4096, 2560}, {16, 1024, 5120}, {3, 7, 16}, {1, 2, 80}}) {
      torch::manual_seed(shape.back());
      auto x = (torch::randn(shape) * 2.0).to(kGpu, dtype);
      auto got = gpu::cuda_geglu(x);
      ASSERT_TRUE(got.defined());
      auto want = fused::geglu_reference(x.to(torch::kFloat32));
      EXPECT_EQ(got.sizes(), want.sizes());
      // |a * gelu(b)| reaches ~30 here: scale the tolerance.
      EXPECT_LT(max_abs_diff(got, want), tolerance(dtype) * 8) << c10::toString(dtype) << " " << shape.back();
    }
  }
  auto strided = torch::randn({4, 64}, torch::TensorOptions().device(kGpu).dtype(torch::kFloat16)).t();
  EXPECT_FALSE(gpu::cuda_geglu(strided).defined()) << "non-contiguous input";
  EXPECT_FALSE(gpu::cuda_geglu(torch::randn({4, 12}, strided.options())).defined()) << "half width 6";
}

TEST(FusedKernels, LayerNormMatchesReference) {
  DRF_REQUIRE_GPUS(1);
  // The UNet's token widths (320..1280, SD 2.1's 1024-wide text encoder), widths that leave
  // lanes idle (8, 72, 2048 = the widest), a single row.
  const std::vector<std::vector<int64_t>> shapes{{2, 4096, 320}, {16, 1024, 640}, {3, 576, 1280}, {2, 77, 1024},
                                                 {5, 8},         {3, 7, 72},      {4, 2048},      {1, 1, 640}};
  for (auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16}) {
    for (const auto& shape : shapes) {
      const int64_t c = shape.back();
      torch::manual_seed(c + static_cast<int64_t>(shape.size()));
      auto x = (torch::randn(shape) * 1.5 + 0.7).to(kGpu, dtype);  // non-zero mean: the variance is centred
      auto weight = (torch::rand({c}) + 0.5).to(kGpu, dtype);
      auto bias = (torch::randn({c}) * 0.1).to(kGpu, dtype);
      auto got = gpu::cuda_layer_norm(x, weight, bias, 1e-5);
      ASSERT_TRUE(got.defined()) << "kernel declined width " << c;
      EXPECT_EQ(got.sizes(), x.sizes());
      auto want = fused::layer_norm_reference(x.to(torch::kFloat32), weight.to(torch::kFloat32),
                                              bias.to(torch::kFloat32), 1e-5);
      EXPECT_LT(max_abs_diff(got, want), tolerance(dtype)) << c10::toString(dtype) << " width " << c;
    }
  }
  // A constant row has zero variance: the result is the bias, not NaN.
  auto flat = torch::full({4, 320}, 3.0, torch::TensorOptions().device(kGpu).dtype(torch::kFloat16));
  auto bias = torch::full({320}, 0.25, flat.options());
  EXPECT_TRUE(torch::allclose(gpu::cuda_layer_norm(flat, torch::ones({320}, flat.options()), bias, 1e-5).to(torch::kFloat32),
                              torch::full({4, 320}, 0.25f, flat.options().dtype(torch::kFloat32))));
}

TEST(FusedKernels, LayerNormIsDeterministicAndDeclinesWhatItDoesNotHandle) {
  DRF_REQUIRE_GPUS(1);
  auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  auto x = torch::randn({8, 4096, 320}, opts);
  auto weight = torch::rand({320}, opts), bias = torch::randn({320}, opts);
  auto first = gpu::cuda_layer_norm(x, weight, bias, 1e-5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(torch::equal(first, gpu::cuda_layer_norm(x, weight, bias, 1e-5)));
  EXPECT_FALSE(gpu::cuda_layer_norm(x.cpu(), weight.cpu(), bias.cpu(), 1e-5).defined()) << "CPU";
  EXPECT_FALSE(gpu::cuda_layer_norm(x.transpose(0, 1), weight, bias, 1e-5).defined()) << "non-contiguous";
  auto odd = torch::randn({4, 12}, opts);
  EXPECT_FALSE(gpu::cuda_layer_norm(odd, torch::ones({12}, opts), torch::zeros({12}, opts), 1e-5).defined())
      << "width 12: not a multiple of 8";
  auto wide = torch::randn({2, 4096}, opts);
  EXPECT_FALSE(gpu::cuda_layer_norm(wide, torch::ones({4096}, opts), torch::zeros({4096}, opts), 1e-5).defined())
      << "wider than the kernel takes";
  EXPECT_FALSE(gpu::cuda_layer_norm(x, weight.to(torch::kFloat32), bias, 1e-5).defined()) << "fp32 weight";
  // Through the dispatcher a declined input still gets the reference result.
  gpu::register_fused_kernels();
  EXPECT_TRUE(torch::equal(fused::layer_norm(odd, torch::ones({12}, opts), torch::zeros({12}, opts), 1e-5),
                           fused::layer_norm_reference(odd, torch::ones({12}, opts), torch::zeros({12}, opts), 1e-5)));
}

namespace {

struct LinearCase {
  std::vector<int64_t> x_shape;
  int64_t n;
};

// x @ w^T + b (+ residual) in fp32 from the same rounded inputs.
torch::Tensor linear_in_fp32(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                             const torch::Tensor& residual) {
  const auto f = [](const torch::Tensor& t) { return t.defined() ? t.to(torch::kFloat32) : t; };
  return fused::linear_reference(f(x), f(w), f(b), f(residual));
}

}  // namespace

TEST(FusedKernels, CublasLtLinearMatchesReference) {
  DRF_REQUIRE_GPUS(1);
  // The UNet's token products (SD 1.5/2.1 widths, the feed-forward's 4x and 8x), the text
  // encoder's rows, a 2-D input, widths that are not multiples of 8 and a single row.
  const std::vector<LinearCase> cases{{{2, 4096, 320}, 320},  {{2, 1024, 640}, 5120}, {{3, 576, 5120}, 1280},
                                      {{2, 77, 1024}, 320},   {{5, 1280}, 320},       {{3, 7, 12}, 20},
                                      {{1, 1, 64}, 8}};
  for (auto dtype : {torch::kFloat16, torch::kBFloat16}) {
    for (const auto& k : cases) {
      const int64_t in = k.x_shape.back();
      torch::manual_seed(in * 7 + k.n);
      const auto opts = torch::TensorOptions().device(kGpu).dtype(dtype);
      auto x = torch::randn(k.x_shape).to(opts);
      auto w = (torch::randn({k.n, in}) / std::sqrt(static_cast<double>(in))).to(opts);  // outputs ~1
      auto b = (torch::randn({k.n}) * 0.1).to(opts);
      auto out_shape = k.x_shape;
      out_shape.back() = k.n;
      auto residual = torch::randn(out_shape).to(opts);
      for (bool with_bias : {false, true}) {
        for (bool with_residual : {false, true}) {
          const auto bias = with_bias ? b : torch::Tensor();
          const auto r = with_residual ? residual : torch::Tensor();
          auto got = gpu::cublaslt_linear(x, w, bias, r, {});
          ASSERT_TRUE(got.defined()) << "declined " << k.n << "x" << in;
          EXPECT_EQ(got.sizes(), residual.sizes());
          EXPECT_LT(max_abs_diff(got, linear_in_fp32(x, w, bias, r)), tolerance(dtype))
              << c10::toString(dtype) << " " << k.n << "x" << in << " bias " << with_bias << " residual "
              << with_residual;
        }
      }
    }
  }
}

TEST(FusedKernels, CublasLtLinearWritesRowsInPlaceAndIsDeterministic) {
  DRF_REQUIRE_GPUS(1);
  const auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  auto x = torch::randn({3000, 320}, opts), w = torch::randn({640, 320}, opts) * 0.05, b = torch::randn({640}, opts);
  auto residual = torch::randn({3000, 640}, opts);
  // The feed-forward's passes: rows 1000..2999 of a larger result, the rows around untouched.
  auto result = torch::full({4000, 640}, 7.0, opts);
  auto rows = result.narrow(0, 1000, 2000);
  auto got = gpu::cublaslt_linear(x.narrow(0, 1000, 2000), w, b, residual.narrow(0, 1000, 2000), rows);
  ASSERT_TRUE(got.defined());
  EXPECT_EQ(got.data_ptr(), rows.data_ptr());
  EXPECT_LT(max_abs_diff(rows, linear_in_fp32(x.narrow(0, 1000, 2000), w, b, residual.narrow(0, 1000, 2000))),
            tolerance(torch::kFloat16) * 4);
  EXPECT_TRUE(torch::equal(result.narrow(0, 0, 1000), torch::full({1000, 640}, 7.0, opts)));
  EXPECT_TRUE(torch::equal(result.narrow(0, 3000, 1000), torch::full({1000, 640}, 7.0, opts)));
  // Rows further apart than their width (column slices of wider buffers): x, residual and
  // output each with their own leading dimension.
  auto x_wide = torch::randn({2000, 400}, opts), r_wide = torch::randn({2000, 768}, opts);
  auto o_wide = torch::full({2000, 704}, 7.0, opts);
  auto xs = x_wide.narrow(1, 0, 320), rs = r_wide.narrow(1, 64, 640), os = o_wide.narrow(1, 0, 640);
  ASSERT_TRUE(gpu::cublaslt_linear(xs, w, b, rs, os).defined());
  EXPECT_LT(max_abs_diff(os, linear_in_fp32(xs, w, b, rs)), tolerance(torch::kFloat16) * 4);
  EXPECT_TRUE(torch::equal(o_wide.narrow(1, 640, 64), torch::full({2000, 64}, 7.0, opts))) << "beyond the rows' width";
  // The tuned algorithm gives the same bits on every call.
  auto first = gpu::cublaslt_linear(x, w, b, residual, {});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(torch::equal(first, gpu::cublaslt_linear(x, w, b, residual, {})));
}

TEST(FusedKernels, CublasLtLinearTunesOutsideCapturesOnly) {
  DRF_REQUIRE_GPUS(1);
  const auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  auto x = torch::randn({2, 333, 320}, opts), w = torch::randn({960, 320}, opts) * 0.05;  // a shape no other test uses
  auto residual = torch::randn({2, 333, 960}, opts);
  const auto tuned_before = gpu::cublaslt_tuned_shapes();
  torch::Tensor captured;
  at::cuda::CUDAGraph graph;
  auto side = c10::cuda::getStreamFromPool(false, 0);
  {
    c10::cuda::CUDAStreamGuard guard(side);
    graph.capture_begin();
    captured = gpu::cublaslt_linear(x, w, {}, residual, {});
    graph.capture_end();
  }
  ASSERT_TRUE(captured.defined());
  EXPECT_EQ(gpu::cublaslt_tuned_shapes(), tuned_before) << "nothing is timed inside a capture";
  graph.replay();
  torch::cuda::synchronize();
  EXPECT_LT(max_abs_diff(captured, linear_in_fp32(x, w, {}, residual)), tolerance(torch::kFloat16));
  auto eager = gpu::cublaslt_linear(x, w, {}, residual, {});
  EXPECT_EQ(gpu::cublaslt_tuned_shapes(), tuned_before + 1) << "the first eager call tunes";
  EXPECT_LT(max_abs_diff(eager, linear_in_fp32(x, w, {}, residual)), tolerance(torch::kFloat16));
}

TEST(FusedKernels, TimedCublasLtChoicesAreRememberedForTheNextRun) {
  DRF_REQUIRE_GPUS(1);
  ASSERT_FALSE(kCacheDir.empty());
  ASSERT_EQ(user_cache_dir(), std::filesystem::path(kCacheDir));
  // The store itself: an algorithm's 8 words survive the file, under a key naming the device
  // and the cuBLASLt version.
  cublasLtMatmulAlgo_t algorithm{};
  for (int i = 0; i < 8; ++i) algorithm.data[i] = 0x0123456789abcdefull + i;
  const std::string key = gpu::gemm_algorithm_key("test device", "test shape");
  EXPECT_NE(key.find("cublasLt " + std::to_string(cublasLtGetVersion())), std::string::npos) << key;
  gpu::store_gemm_algorithm(key, algorithm);
  const auto back = gpu::stored_gemm_algorithm(key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(std::memcmp(&*back, &algorithm, sizeof algorithm), 0);
  const std::string file = read_text(std::filesystem::path(kCacheDir) / "gemm-algorithms.json");
  EXPECT_NE(file.find("test device|"), std::string::npos) << file;
  EXPECT_NE(file.find("0123456789abcdef0123456789abcdf0"), std::string::npos) << file;
  // A product timed by cublaslt_linear lands in the file, for the next process to take untimed.
  const auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  auto x = torch::randn({1, 517, 320}, opts), w = torch::randn({640, 320}, opts) * 0.05;  // a shape of its own
  ASSERT_TRUE(gpu::cublaslt_linear(x, w, {}, {}, {}).defined());
  EXPECT_NE(read_text(std::filesystem::path(kCacheDir) / "gemm-algorithms.json").find(" m 517 n 640 k 320 "),
            std::string::npos);
}

TEST(FusedKernels, CublasLtLinearDeclinesWhatItDoesNotHandle) {
  DRF_REQUIRE_GPUS(1);
  const auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  auto x = torch::randn({4, 64, 32}, opts), w = torch::randn({48, 32}, opts), b = torch::randn({48}, opts);
  auto residual = torch::randn({4, 64, 48}, opts);
  EXPECT_FALSE(gpu::cublaslt_linear(x.to(torch::kFloat32), w.to(torch::kFloat32), {}, {}, {}).defined()) << "fp32";
  EXPECT_FALSE(gpu::cublaslt_linear(x.cpu(), w.cpu(), {}, {}, {}).defined()) << "CPU";
  EXPECT_FALSE(gpu::cublaslt_linear(x.transpose(0, 1), w, b, {}, {}).defined()) << "rows not evenly strided";
  EXPECT_FALSE(gpu::cublaslt_linear(x, w.t().contiguous().t(), b, {}, {}).defined()) << "transposed weight";
  EXPECT_FALSE(gpu::cublaslt_linear(x, w, b.to(torch::kFloat32), {}, {}).defined()) << "fp32 bias";
  EXPECT_FALSE(gpu::cublaslt_linear(x, w, b, residual.narrow(1, 0, 32), {}).defined()) << "residual rows differ";
  EXPECT_FALSE(gpu::cublaslt_linear(x, w, b, residual.view({256, 48}), {}).defined()) << "residual of another shape";
  EXPECT_FALSE(gpu::cublaslt_linear(x, torch::empty({0, 32}, opts), {}, {}, {}).defined()) << "no output features";
  auto aliased = torch::empty({4, 64, 48}, opts);
  EXPECT_FALSE(gpu::cublaslt_linear(x, w, b, aliased, aliased).defined()) << "output overlaps the residual";
  // Through the dispatcher a declined input still gets the reference result.
  gpu::register_fused_kernels();
  auto strided = x.transpose(0, 1);
  EXPECT_TRUE(torch::equal(fused::linear(strided, w, b, residual.transpose(0, 1)),
                           fused::linear_reference(strided, w, b, residual.transpose(0, 1))));
}

// The whole SD 1.5 UNet: channels-last with the fused kernels (and the bias folds and 1x1
// GEMMs that come with channels-last) against the NCHW ATen path, both fp32 on the GPU with
// TF32 off, so that only the summation order differs; and fp16 NHWC against that reference.
TEST(FusedKernels, FullUNetMatchesTheAtenPath) {
  DRF_REQUIRE_GPUS(1);
  auto& ctx = at::globalContext();
  const bool tf32_blas = ctx.allowTF32CuBLAS(), tf32_dnn = ctx.allowTF32CuDNN();
  ctx.setAllowTF32CuBLAS(false);
  ctx.setAllowTF32CuDNN(false);
  torch::NoGradGuard no_grad;
  const auto config = unet_config_sd15();
  auto forward = [&](torch::Dtype dtype, torch::MemoryFormat format, bool fused) {
    UNet2DConditionModel unet(config, torch::TensorOptions().device(kGpu).dtype(dtype));
    init_random_weights(*unet, 99);
    for (auto& p : unet->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(format));
    if (fused) fuse_attention_projections(*unet);  // one q/k/v product, as the GPU denoiser runs it
    fused::set_kernels_enabled(fused);
    torch::manual_seed(5);
    auto x = torch::randn({2, 4, 64, 64}).to(kGpu, dtype).contiguous(format);
    auto t = torch::tensor({981.0f, 421.0f}).to(kGpu);
    auto c = torch::randn({2, 77, 768}).to(kGpu, dtype);
    auto y = unet->forward(x, t, c).to(torch::kFloat64);
    fused::set_kernels_enabled(true);
    return y;
  };
  gpu::register_fused_kernels();
  const auto reference = forward(torch::kFloat32, torch::MemoryFormat::Contiguous, false);
  const double scale = reference.abs().max().item<double>();
  const auto nhwc32 = forward(torch::kFloat32, torch::MemoryFormat::ChannelsLast, true);
  const auto nhwc16 = forward(torch::kFloat16, torch::MemoryFormat::ChannelsLast, true);
  ctx.setAllowTF32CuBLAS(tf32_blas);
  ctx.setAllowTF32CuDNN(tf32_dnn);
  EXPECT_LT((nhwc32 - reference).abs().max().item<double>() / scale, 1e-4);
  EXPECT_LT((nhwc16 - reference).abs().max().item<double>() / scale, 2e-2);
}

// The MMDiT's LayerNorm + adaLN modulation: the kernel against the reference math in fp32, with
// the modulation vectors as strided chunks of one [B, 6C] tensor, as the blocks pass them.
TEST(FusedKernels, LayerNormModulateMatchesReference) {
  DRF_REQUIRE_GPUS(1);
  for (auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16}) {
    for (const auto& shape : std::vector<std::vector<int64_t>>{{2, 4096, 1536}, {2, 333, 1536}, {1, 77, 64}, {3, 5, 2048}}) {
      const int64_t b = shape[0], c = shape[2];
      torch::manual_seed(c + b);
      auto x = (torch::randn(shape) * 1.5 + 0.7).to(kGpu, dtype);
      auto modulation = (torch::randn({b, 6 * c}) * 0.5).to(kGpu, dtype);
      auto chunks = modulation.chunk(6, 1);
      auto got = gpu::cuda_layer_norm_modulate(x, chunks[3], chunks[4], 1e-6);
      ASSERT_TRUE(got.defined()) << "kernel declined " << c;
      const auto f = [](const torch::Tensor& t) { return t.to(torch::kFloat32); };
      auto want = fused::layer_norm_modulate_reference(f(x), f(chunks[3]), f(chunks[4]), 1e-6);
      EXPECT_LT(max_abs_diff(got, want), 2 * tolerance(dtype)) << c10::toString(dtype) << " " << b << "x" << c;
      // Each batch row reads its own modulation: reversing the batches' vectors changes the result.
      if (b > 1) {
        auto reversed = modulation.flip(0).chunk(6, 1);
        auto swapped = gpu::cuda_layer_norm_modulate(x, reversed[3], reversed[4], 1e-6);
        ASSERT_TRUE(swapped.defined());
        EXPECT_GT(max_abs_diff(got, swapped), 0.1);
      }
    }
  }
  auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  auto x = torch::randn({2, 16, 64}, opts), shift = torch::randn({2, 64}, opts), scale = torch::randn({2, 64}, opts);
  EXPECT_FALSE(gpu::cuda_layer_norm_modulate(x.view({32, 64}), shift, scale, 1e-6).defined()) << "2-D x";
  EXPECT_FALSE(gpu::cuda_layer_norm_modulate(x, shift.narrow(0, 0, 1), scale, 1e-6).defined()) << "one shift row";
  EXPECT_FALSE(gpu::cuda_layer_norm_modulate(x, shift.to(torch::kFloat32), scale, 1e-6).defined()) << "fp32 shift";
  EXPECT_FALSE(gpu::cuda_layer_norm_modulate(x.transpose(0, 1), shift, scale, 1e-6).defined()) << "non-contiguous";
  gpu::register_fused_kernels();
  auto y = fused::layer_norm_modulate(x, shift, scale, 1e-6);
  EXPECT_LT(max_abs_diff(y, fused::layer_norm_modulate_reference(x.to(torch::kFloat32), shift.to(torch::kFloat32),
                                                                 scale.to(torch::kFloat32), 1e-6)),
            2 * tolerance(torch::kFloat16));
}

// Strided batches: q/k/v written into their columns and token rows of one joint buffer, and an
// output projection reading a token range of each batch in place, each as one cuBLASLt product.
TEST(FusedKernels, CublasLtLinearReadsAndWritesStridedBatches) {
  DRF_REQUIRE_GPUS(1);
  auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  torch::manual_seed(5);
  auto x = torch::randn({2, 300, 64}, opts), w = torch::randn({48, 64}, opts) * 0.2, b = torch::randn({48}, opts);
  auto buffer = torch::zeros({2, 333, 144}, opts);
  auto slice = buffer.narrow(1, 0, 300).narrow(2, 48, 48);  // image rows, the "k" columns
  ASSERT_TRUE(gpu::cublaslt_linear(x, w, b, {}, slice).defined()) << "strided batches of the output declined";
  EXPECT_LT(max_abs_diff(slice, linear_in_fp32(x, w, b, {})), tolerance(torch::kFloat16));
  EXPECT_EQ(buffer.narrow(2, 0, 48).abs().max().item<float>(), 0.0f) << "other columns untouched";
  EXPECT_EQ(buffer.narrow(1, 300, 33).abs().max().item<float>(), 0.0f) << "other rows untouched";

  auto joint = torch::randn({2, 333, 64}, opts);
  auto rows = joint.narrow(1, 0, 300);  // strided batches of the input, a residual alongside
  auto residual = torch::randn({2, 300, 48}, opts);
  auto got = gpu::cublaslt_linear(rows, w, b, residual, {});
  ASSERT_TRUE(got.defined()) << "strided batches of the input declined";
  EXPECT_LT(max_abs_diff(got, linear_in_fp32(rows, w, b, residual)), tolerance(torch::kFloat16));
  // Batches that disagree (another batch count, another row count) are declined, not guessed.
  EXPECT_FALSE(gpu::cublaslt_linear(rows, w, b, {}, buffer.narrow(1, 0, 299).narrow(2, 0, 48)).defined());
}

// cuBLASLt's GELU epilogue is the tanh approximation diffusers' MMDiT feed-forward uses. The two
// GELUs differ most (3e-4 to 5e-4) for pre-activations in [-3.2, -2.3], where the outputs are
// below 0.025 and fp16 resolves them to 1.5e-5: there the result must follow tanh, not erf.
TEST(FusedKernels, CublasLtGeluEpilogueIsTheTanhGelu) {
  DRF_REQUIRE_GPUS(1);
  auto opts = torch::TensorOptions().device(kGpu).dtype(torch::kFloat16);
  torch::manual_seed(6);
  auto x = torch::randn({512, 256}, opts), w = torch::randn({128, 256}, opts) * 0.12, b = torch::randn({128}, opts);
  auto got = gpu::cublaslt_linear(x, w, b, {}, {}, fused::Activation::gelu_tanh);
  ASSERT_TRUE(got.defined());
  auto pre = linear_in_fp32(x, w, b, {});
  EXPECT_LT(max_abs_diff(got, torch::gelu(pre, "tanh")), tolerance(torch::kFloat16));
  auto where = (pre > -3.2) & (pre < -2.3);
  ASSERT_GT(where.sum().item<int64_t>(), 100);
  const auto part = [&](const torch::Tensor& t) { return t.to(torch::kFloat32).masked_select(where); };
  EXPECT_LT(max_abs_diff(part(got), part(torch::gelu(pre, "tanh"))), 5e-5);
  EXPECT_GT(max_abs_diff(part(got), part(torch::gelu(pre))), 2e-4) << "the erf GELU";
  auto no_bias = gpu::cublaslt_linear(x, w, {}, {}, {}, fused::Activation::gelu_tanh);
  ASSERT_TRUE(no_bias.defined());
  EXPECT_LT(max_abs_diff(no_bias, torch::gelu(linear_in_fp32(x, w, {}, {}), "tanh")), tolerance(torch::kFloat16));
  EXPECT_FALSE(gpu::cublaslt_linear(x, w, b, torch::zeros({512, 128}, opts), {}, fused::Activation::gelu_tanh).defined())
      << "an activation with a residual";
}

// The SD3 denoiser on the GPU takes every fused path: q/k/v of both streams as one product each
// into the joint buffer, LayerNorm + adaLN modulation, the GELU epilogue, strided output
// projections. Against the same weights in float64 on the CPU: fp32 to rounding (TF32 off),
// fp16 within the bound the diffusers parity uses for fp16 (2e-2 of the output's range).
TEST(FusedKernels, Sd3DenoiserOnTheGpuMatchesFloat64OnTheCpu) {
  DRF_REQUIRE_GPUS(1);
  gpu::register_fused_kernels();
  auto& ctx = at::globalContext();
  const bool tf32_blas = ctx.allowTF32CuBLAS(), tf32_dnn = ctx.allowTF32CuDNN();
  ctx.setAllowTF32CuBLAS(false);
  ctx.setAllowTF32CuDNN(false);
  for (const std::string qk : {"", "rms_norm"}) {
    Sd3TransformerConfig c = sd3_transformer_config_tiny();
    c.num_attention_heads = 4;
    c.attention_head_dim = 64;
    c.caption_projection_dim = 256;
    c.joint_attention_dim = 64;
    c.pooled_projection_dim = 32;
    c.qk_norm = qk;
    if (!qk.empty()) c.dual_attention_layers = {0};
    torch::NoGradGuard no_grad;
    SD3Transformer2DModel reference(c, torch::TensorOptions().dtype(torch::kFloat64));
    init_random_weights(*reference, 11);
    reference->patch_embed()->fill_position_table();
    reference->eval();
    torch::manual_seed(12);
    auto x = torch::randn({2, c.in_channels, 16, 16}, torch::kFloat64);
    auto context = torch::randn({2, 20, c.joint_attention_dim}, torch::kFloat64);
    auto pooled = torch::randn({2, c.pooled_projection_dim}, torch::kFloat64);
    auto t = torch::tensor({700.0f, 120.0f});
    const auto want = reference->forward(x, context, pooled, t);
    for (auto dtype : {torch::kFloat32, torch::kFloat16}) {
      SD3Transformer2DModel model(c, torch::TensorOptions().device(kGpu).dtype(dtype));
      auto params = reference->named_parameters(true);
      auto buffers = reference->named_buffers(true);
      for (auto& p : model->named_parameters(true)) p.value().set_data(params[p.key()].to(kGpu, dtype));
      for (auto& b : model->named_buffers(true)) b.value().set_data(buffers[b.key()].to(kGpu, dtype));
      model->eval();
      Sd3Denoiser denoiser(model, dtype);
      auto fused = denoiser.transformer()->named_parameters(true);
      EXPECT_TRUE(fused["transformer_blocks.0.attn.to_q.weight"].storage().is_alias_of(
          fused["transformer_blocks.0.attn.to_v.weight"].storage()))
          << "the GPU denoiser fuses q/k/v";
      ConditioningTensors cond(context.to(kGpu));
      cond.pooled = pooled.to(kGpu);
      const auto got = denoiser.forward(x.to(kGpu), t.to(kGpu), cond).to(torch::kCPU, torch::kFloat64);
      const double rel = (got - want).abs().max().item<double>() / want.abs().max().item<double>();
      EXPECT_LT(rel, dtype == torch::kFloat16 ? 2e-2 : 1e-4) << "qk norm '" << qk << "' " << c10::toString(dtype);
    }
  }
  ctx.setAllowTF32CuBLAS(tf32_blas);
  ctx.setAllowTF32CuDNN(tf32_dnn);
}
