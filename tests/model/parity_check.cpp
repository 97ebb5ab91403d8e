// driffusion_parity <cases-folder>... [--out parity.json] [--no-cpu] [--no-cuda]
// Runs every parity case (tools/gpu/parity/make_reference_*.py output: UNets, CLIP text encoders,
// VAEs, T5 encoders, SD3 transformers) through our modules in
// fp32 on the CPU and, when CUDA is present, in fp32 (TF32 off) and fp16 on cuda:0; prints a
// table and writes the comparisons as JSON. These runs use the plain modules (ATen ops). With the
// GPU backend built in, every case also runs in fp16 with the backend's kernels, and a UNet the
// way generation runs it: UNetDenoiser (fused projections, channels-last), the fused kernels,
// cuBLASLt products and a CUDA graph (path "denoiser"; an SD3 transformer likewise through
// Sd3Denoiser: packed q/k/v per stream), against the same float64 reference and
// bound. Exit status 0 when every comparison is within its bound, 1 otherwise, 2 on bad usage or
// unreadable cases.
#include <cstdio>
#include <fstream>
#include <iostream>

#include <torch/version.h>

#include "core/engine/denoiser_accelerator.h"
#include "core/models/nn/fused_ops.h"
#include "core/util/errors.h"
#ifdef DRIFFUSION_HAVE_GPU
#include "gpu/gpu_registration.h"
#endif
#include "parity_runner.h"

int main(int argc, char** argv) {
  using namespace drf;
  std::vector<std::string> roots;
  std::string out_path;
  bool cpu = true, cuda = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" && i + 1 < argc) out_path = argv[++i];
    else if (a == "--no-cpu") cpu = false;
    else if (a == "--no-cuda") cuda = false;
    else if (a.rfind("--", 0) != 0) roots.push_back(a);
    else {
      std::cerr << "usage: driffusion_parity <cases-folder>... [--out parity.json] [--no-cpu] [--no-cuda]\n";
      return 2;
    }
  }
  std::vector<std::string> cases;
  for (const auto& root : roots)
    for (const auto& c : parity::find_cases(root)) cases.push_back(c);
  if (cases.empty()) {
    std::cerr << "no parity cases (folders with case.json) in the given folders\n";
    return 2;
  }
  cuda = cuda && torch::cuda::is_available();
  struct Run {
    torch::Device device;
    torch::Dtype dtype;
    bool production;  // the GPU backend's kernels on, UNets through the denoiser path
  };
  std::vector<Run> runs;
  if (cpu) runs.push_back({torch::kCPU, torch::kFloat32, false});
  if (cuda) {
#ifdef DRIFFUSION_HAVE_GPU
    gpu::register_gpu_backend();
#endif
    // fp32 parity means real fp32: no TF32 in cuBLAS or cuDNN.
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
    runs.push_back({torch::Device(torch::kCUDA, 0), torch::kFloat32, false});
    runs.push_back({torch::Device(torch::kCUDA, 0), torch::kFloat16, false});
#ifdef DRIFFUSION_HAVE_GPU
    runs.push_back({torch::Device(torch::kCUDA, 0), torch::kFloat16, true});
#endif
  }
  std::vector<parity::Comparison> all;
  nlohmann::json errors = nlohmann::json::array();
  std::printf("%-26s %-22s %-7s %-5s %-8s %12s %12s %12s %10s %s\n", "case", "output", "device", "dtype", "path",
              "max_abs", "rel", "ref_rel", "bound", "");
  for (const auto& dir : cases)
    for (const auto& run : runs) {
      fused::set_kernels_enabled(run.production);
      try {
        for (const auto& c : parity::run_case(dir, run.device, run.dtype, run.production)) {
          std::printf("%-26s %-22s %-7s %-5s %-8s %12.3e %12.3e %12.3e %10.1e %s\n", c.case_name.c_str(),
                      c.output.c_str(), c.device.c_str(), c.dtype.c_str(), c.path.c_str(), c.max_abs, c.rel,
                      c.reference_rel, c.bound, c.pass ? "ok" : "FAIL");
          all.push_back(c);
        }
        std::fflush(stdout);
      } catch (const std::exception& e) {
        std::printf("%-26s ERROR on %s: %s\n", dir.c_str(), run.device.str().c_str(), e.what());
        errors.push_back({{"case", dir}, {"device", run.device.str()}, {"error", e.what()}});
      }
      release_cached_device_memory();
    }
  bool ok = errors.empty();
  for (const auto& c : all) ok = ok && c.pass;
  nlohmann::json doc;
  doc["libtorch"] = TORCH_VERSION;
  doc["cuda"] = cuda;
  doc["results"] = parity::to_json(all);
  doc["errors"] = errors;
  doc["all_pass"] = ok;
  if (!out_path.empty()) {
    std::ofstream f(out_path);
    f << doc.dump(2) << "\n";
    if (!f) {
      std::cerr << "cannot write " << out_path << "\n";
      return 2;
    }
  }
  std::printf("%zu comparisons, %zu errors: %s\n", all.size(), errors.size(), ok ? "ALL WITHIN BOUNDS" : "FAILURES");
  return ok ? 0 : 1;
}
