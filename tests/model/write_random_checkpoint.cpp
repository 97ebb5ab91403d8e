// driffusion_write_checkpoint <out.safetensors> <tokenizer-dir> [--preset P] [--fp32]
// Writes a random full-size SDXL or SD3 model as one single-file checkpoint in Stability's
// layout (our inverse key mapping, fp16 by default, as the published files are; SD3 with its
// three text encoders, as sd3_medium_incl_clips_t5xxlfp16.safetensors) plus a minimal tokenizer
// folder (single files carry no tokenizer; SD3's has tokenizer/, tokenizer_2/, tokenizer_3/).
// P: sdxl (default), sdxl-refiner, sdxl-tiny, sd3-medium, sd35-medium, sd35-large, sd3-tiny.
// For measurements that need a real file on disk, such as issues 20's and 21's time from
// process start to the first image from a single file, on machines that cannot download a
// published checkpoint. Weights are random: the images are noise, the load path and its costs
// are the real ones.
#include <iostream>

#include <torch/torch.h>

#include "core/io/safetensors_writer.h"
#include "core/models/sd3/sd3_pipeline.h"
#include "core/models/sd3/sd3_single_file.h"
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
    std::cerr << "usage: driffusion_write_checkpoint <out.safetensors> <tokenizer-dir> [--preset sdxl|sdxl-refiner|"
                 "sdxl-tiny|sd3-medium|sd35-medium|sd35-large|sd3-tiny] [--fp32]\n";
    return 2;
  }
  try {
    torch::NoGradGuard no_grad;
    PipelineRequest request;
    request.source = "random:" + preset;
    if (torch::cuda::is_available()) request.device = torch::Device(torch::kCUDA, 0);  // random init is faster there
    const bool sd3 = preset.rfind("sd3", 0) == 0;
    std::map<std::string, torch::Tensor> state;
    if (sd3) {
      auto pipeline = make_random_sd3_pipeline(preset, request);
      state = sd3_single_file_state(pipeline->config(), pipeline->modules(), /*text_encoders=*/true);
    } else {
      auto pipeline = make_random_sdxl_pipeline(preset, request);
      state = sdxl_single_file_state(pipeline->config(), pipeline->modules());
    }
    for (auto& [name, t] : state)
      t = (half && t.is_floating_point() ? t.to(torch::kFloat16) : t).to(torch::kCPU).contiguous();
    write_safetensors(out, state);
    if (sd3)
      test::write_sd3_tokenizer_folders(tokenizer);
    else
      test::write_tokenizer_folder(tokenizer);
    std::cout << "wrote " << state.size() << " tensors to " << out << " and a tokenizer to " << tokenizer << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "driffusion_write_checkpoint: " << e.what() << "\n";
    return 3;
  }
}
