// driffusion_write_checkpoint <out.safetensors> <tokenizer-dir> [--preset sdxl|sdxl-refiner|sdxl-tiny] [--fp32]
// Writes a random full-size SDXL model as one single-file checkpoint in Stability's layout
// (our inverse key mapping, fp16 by default, as the published files are) plus a minimal CLIP
// tokenizer folder (single files carry no tokenizer). For measurements that need a real file
// on disk, such as issue 20's time from process start to the first image from a single file,
// on machines that cannot download a published checkpoint. Weights are random: the images are
// noise, the load path and its costs are the real ones.
#include <iostream>

#include <torch/torch.h>

#include "core/io/safetensors_writer.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/models/sdxl/sdxl_single_file.h"
#include "core/util/errors.h"
#include "model_test_util.h"

int main(int argc, char** argv) {
  using namespace drf;
  std::string out, tokenizer, preset = "sdxl";
  bool half = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--preset" && i + 1 < argc) preset = argv[++i];
    else if (a == "--fp32") half = false;
    else if (out.empty() && a.rfind("--", 0) != 0) out = a;
    else if (tokenizer.empty() && a.rfind("--", 0) != 0) tokenizer = a;
    else out.clear(), tokenizer.clear(), i = argc;
  }
  if (out.empty() || tokenizer.empty()) {
    std::cerr << "usage: driffusion_write_checkpoint <out.safetensors> <tokenizer-dir> [--preset sdxl|sdxl-refiner|sdxl-tiny] [--fp32]\n";
    return 2;
  }
  try {
    torch::NoGradGuard no_grad;
    PipelineRequest request;
    request.source = "random:" + preset;
    if (torch::cuda::is_available()) request.device = torch::Device(torch::kCUDA, 0);  // random init is faster there
    auto pipeline = make_random_sdxl_pipeline(preset, request);
    auto state = sdxl_single_file_state(pipeline->config(), pipeline->modules());
    for (auto& [name, t] : state)
      t = (half && t.is_floating_point() ? t.to(torch::kFloat16) : t).to(torch::kCPU).contiguous();
    write_safetensors(out, state);
    test::write_tokenizer_folder(tokenizer);
    std::cout << "wrote " << state.size() << " tensors to " << out << " and a tokenizer to " << tokenizer << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "driffusion_write_checkpoint: " << e.what() << "\n";
    return 3;
  }
}
