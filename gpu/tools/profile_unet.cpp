// Developer tool for the GPU machine: where does a UNet step's time go?
//
//   driffusion_profile_unet --model sd15|sd21|sdxl|sdxl-refiner --batches 2,8,16 --out DIR [--trace]
//                           [--layouts nchw,nhwc-aten,nhwc-fused] [--ff-rows N,...]
//   driffusion_profile_unet --model sd3-medium|sd35-medium|sd35-large --batches 2 --out DIR [--trace]
//                           [--layouts aten,fused]
//
// The sd3 models are the MMDiT at 1024 px (128x128 latents, 77 + 256 context tokens) with ATen
// ops only or with our kernels. For each batch size (random weights, fp16, cuda:0) it prints the median eager and CUDA-graph
// latency in NCHW, in NHWC with ATen ops only and in NHWC with our fused kernels (and how far
// each output is from the batch's first run: NCHW when all layouts run), the activation memory
// of one eager forward (peak allocated minus what was allocated before), and with --trace
// writes a Kineto trace of one eager forward per (batch, layout, ff-rows) to DIR, which
// tools/gpu/kernel_table.py sums per kernel.
// --ff-rows sets the feed-forward's rows per pass (0 = all at once; a list runs each). Speed goals are judged
// by `driffusion bench`; this tool only explains the numbers.
#include <ATen/Context.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/models/nn/attention.h"
#include "core/models/nn/fused_ops.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/nn/transformer_2d.h"
#include "core/models/sd3/sd3_transformer.h"
#include "core/models/unet/unet_2d_condition.h"
#include "gpu/fused_ops_cuda.h"

namespace {

using Forward = std::function<torch::Tensor()>;

double median_ms(const Forward& run, int iterations) {
  auto stream = c10::cuda::getCurrentCUDAStream();
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
    start.record(stream);
    run();
    stop.record(stream);
    stop.synchronize();
    ms.push_back(start.elapsed_time(stop));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Graph replay latency of `run` (captured once on a side stream, as CudaGraphDenoiser does).
double graph_ms(const Forward& run, int iterations) {
  auto side = c10::cuda::getStreamFromPool();
  at::cuda::CUDAGraph graph;
  {
    c10::cuda::CUDAStreamGuard guard(side);
    run();
    run();
    side.synchronize();
    graph.capture_begin();
    run();
    graph.capture_end();
    side.synchronize();
  }
  const double ms = median_ms([&] { graph.replay(); return torch::Tensor(); }, iterations);
  return ms;
}

void save_trace(const Forward& run, const std::string& path) {
  using namespace torch::autograd::profiler;
  using torch::profiler::impl::ActivityType;
  using torch::profiler::impl::ProfilerConfig;
  using torch::profiler::impl::ProfilerState;
  const ProfilerConfig config(ProfilerState::KINETO);
  const std::set<ActivityType> activities{ActivityType::CPU, ActivityType::CUDA};
  prepareProfiler(config, activities);
  enableProfiler(config, activities);
  run();
  c10::cuda::getCurrentCUDAStream().synchronize();
  disableProfiler()->save(path);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> out;
  for (const auto& item : split(s)) out.push_back(std::stoll(item));
  return out;
}

// MB a forward allocates at its peak beyond what was allocated before it (its output included).
double activation_mb(const Forward& run) {
  using namespace c10::cuda::CUDACachingAllocator;
  constexpr std::size_t agg = 0;  // index 0 of each stat array: small and large pools together
  c10::cuda::getCurrentCUDAStream().synchronize();
  resetPeakStats(0);
  const auto before = getDeviceStats(0).allocated_bytes[agg].current;
  run();
  c10::cuda::getCurrentCUDAStream().synchronize();
  return static_cast<double>(getDeviceStats(0).allocated_bytes[agg].peak - before) / 1048576.0;
}

// One row of the table: eager and graph latency, activation memory, distance from `reference`
// (set to this run's output when undefined), and the trace when asked.
void measure(const Forward& run, int64_t b, const std::string& layout, int64_t ff_rows, torch::Tensor& reference,
             bool trace, const std::string& trace_path) {
  for (int i = 0; i < 3; ++i) run();
  const double act = activation_mb(run);
  const double eager = median_ms(run, 10);
  const double graph = graph_ms(run, 20);
  auto y = run().to(torch::kFloat32);
  if (!reference.defined()) reference = y;
  const double diff = (y - reference).abs().max().item<double>();
  std::printf("%-10s %-5ld %7ld %9.2f %9.2f %9.3f %12.5f %9.1f %9.1f\n", layout.c_str(), b, ff_rows, eager, graph,
              graph / b, diff, act, act / b);
  std::fflush(stdout);
  if (trace) save_trace(run, trace_path);
  c10::cuda::CUDACachingAllocator::emptyCache();
}

// The MMDiT at 1024 px: 128x128 latents, CLIP's 77 + T5's 256 context tokens.
int profile_mmdit(const std::string& model, const std::vector<int64_t>& batches, std::vector<std::string> layouts,
                  const std::string& out_dir, bool trace) {
  const auto config = model == "sd35-medium"  ? drf::sd3_transformer_config_sd35_medium()
                      : model == "sd35-large" ? drf::sd3_transformer_config_sd35_large()
                                              : drf::sd3_transformer_config_sd3_medium();
  const auto options = torch::TensorOptions().device(torch::kCUDA, 0).dtype(torch::kFloat16);
  drf::SD3Transformer2DModel mmdit(config, options);
  drf::init_random_weights(*mmdit, 1234);
  mmdit->eval();
  drf::gpu::register_fused_kernels();
  if (layouts.size() == 3 && layouts[0] == "nchw") layouts = {"aten", "fused"};  // the UNet default list
  std::printf("model %s latent 128 (median ms; graph = CUDA-graph replay; act = eager activation MB)\n", model.c_str());
  std::printf("%-10s %-5s %7s %9s %9s %9s %12s %9s %9s\n", "layout", "batch", "-", "eager", "graph", "ms/sample",
              "max|d| first", "act MB", "MB/sample");
  std::map<int64_t, torch::Tensor> reference;
  for (const std::string& layout : layouts) {
    drf::fused::set_kernels_enabled(layout == "fused");
    if (layout == "fused") mmdit->fuse_projections();  // as the GPU denoiser does (no way back)
    for (int64_t b : batches) {
      torch::manual_seed(b);
      auto x = torch::randn({b, config.in_channels, 128, 128}, options);
      auto c = torch::randn({b, 77 + 256, config.joint_attention_dim}, options);
      auto pooled = torch::randn({b, config.pooled_projection_dim}, options);
      auto t = torch::full({b}, 500.0f, options.dtype(torch::kFloat32));
      Forward run = [&] { return mmdit->forward(x, c, pooled, t); };
      measure(run, b, layout, 0, reference[b], trace,
              out_dir + "/trace-" + model + "-b" + std::to_string(b) + "-" + layout + ".json");
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "sd15", out_dir = ".";
  std::vector<int64_t> batches{2, 8, 16};
  std::vector<std::string> layouts{"nchw", "nhwc-aten", "nhwc-fused"};
  std::vector<int64_t> ff_rows_list{drf::FeedForwardImpl::kDefaultMaxRowsPerPass};
  bool trace = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a == "--batches" && i + 1 < argc) batches = parse_list(argv[++i]);
    else if (a == "--out" && i + 1 < argc) out_dir = argv[++i];
    else if (a == "--trace") trace = true;
    else if (a == "--layouts" && i + 1 < argc) layouts = split(argv[++i]);
    else if (a == "--ff-rows" && i + 1 < argc) ff_rows_list = parse_list(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s --model sd15|sd21|sdxl|sdxl-refiner|sd3-medium|sd35-medium|sd35-large "
                   "--batches 2,8,16 --out DIR [--trace]\n", argv[0]);
      return 2;
    }
  }
  if (!torch::cuda::is_available()) {
    std::fprintf(stderr, "no CUDA device\n");
    return 1;
  }
  // Fusing q/k/v cannot be undone: the fused layouts run after the others.
  std::stable_partition(layouts.begin(), layouts.end(),
                        [](const std::string& l) { return l != "fused" && l != "nhwc-fused"; });
  torch::NoGradGuard no_grad;
  at::globalContext().setBenchmarkCuDNN(true);
  if (model.rfind("sd3", 0) == 0) return profile_mmdit(model, batches, layouts, out_dir, trace);
  const auto config = model == "sd21"           ? drf::unet_config_sd21()
                      : model == "sdxl"         ? drf::unet_config_sdxl()
                      : model == "sdxl-refiner" ? drf::unet_config_sdxl_refiner()
                                                : drf::unet_config_sd15();
  const int64_t latent = config.sample_size;  // 64, 96, 128: the native 512, 768, 1024 px
  const int64_t context_len = 77;
  const auto options = torch::TensorOptions().device(torch::kCUDA, 0).dtype(torch::kFloat16);
  drf::UNet2DConditionModel unet(config, options);
  drf::init_random_weights(*unet, 1234);
  unet->eval();
  drf::gpu::register_fused_kernels();
  const auto set_ff_rows = [&](int64_t rows) {
    for (const auto& m : unet->modules())
      if (auto ff = std::dynamic_pointer_cast<drf::FeedForwardImpl>(m)) ff->max_rows_per_pass = rows;
  };

  std::printf("model %s latent %ld (median ms; graph = CUDA-graph replay; act = eager activation MB)\n", model.c_str(),
              latent);
  std::printf("%-10s %-5s %7s %9s %9s %9s %12s %9s %9s\n", "layout", "batch", "ff-rows", "eager", "graph", "ms/sample",
              "max|d| first", "act MB", "MB/sample");
  std::map<std::string, torch::Tensor> reference;  // NCHW output per batch
  for (const std::string& layout : layouts) {
    const auto format = layout == "nchw" ? torch::MemoryFormat::Contiguous : torch::MemoryFormat::ChannelsLast;
    drf::fused::set_kernels_enabled(layout == "nhwc-fused");
    if (layout == "nhwc-fused") drf::fuse_attention_projections(*unet);  // as the GPU denoiser does
    for (auto& p : unet->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(format));
    for (int64_t b : batches) for (int64_t ff_rows : ff_rows_list) {
      set_ff_rows(ff_rows);
      torch::manual_seed(b);  // the same inputs in every layout
      auto x = torch::randn({b, config.in_channels, latent, latent}, options).contiguous(format);
      auto t = torch::full({b}, 500.0f, options.dtype(torch::kFloat32));
      auto c = torch::randn({b, context_len, config.cross_attention_dim}, options);
      // text_time (SDXL): a pooled embedding and the size/crop ids of a native-size image.
      torch::Tensor pooled, ids;
      if (config.text_time()) {
        const int64_t pooled_dim = 1280;  // OpenCLIP bigG's projection, base and refiner
        const int64_t n_ids = (config.projection_class_embeddings_input_dim - pooled_dim) / config.addition_time_embed_dim;
        pooled = torch::randn({b, pooled_dim}, options);
        const float px = static_cast<float>(latent * 8);
        std::vector<float> one = n_ids == 6 ? std::vector<float>{px, px, 0, 0, px, px}
                                            : std::vector<float>{px, px, 0, 0, 6.0f};
        ids = torch::tensor(one, options.dtype(torch::kFloat32)).repeat({b, 1});
      }
      Forward run = [&] { return unet->forward(x, t, c, pooled, ids); };
      measure(run, b, layout, ff_rows, reference[std::to_string(b)], trace,
              out_dir + "/trace-" + model + "-b" + std::to_string(b) + "-" + layout + "-ff" + std::to_string(ff_rows) +
                  ".json");
    }
  }
  return 0;
}
