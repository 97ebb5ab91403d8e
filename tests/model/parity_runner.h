// Runs our modules on the inputs of a parity case made by tools/gpu/parity/make_reference_*.py
// and compares with the reference implementation's float64 output.
//
// A case folder holds case.json ({"kind": "unet" | "text" | "vae", "reference": "...",
// "reference_error": {"fp32": {"rel": r}, "fp16": {"rel": r}}}), config.json (the diffusers /
// transformers config), weights.safetensors (the reference model's own random weights) and
// io.safetensors (inputs and "expected*" float64 outputs). "reference_error" is the reference
// implementation's own error at that precision against its float64 run: the yardstick for ours.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace drf::parity {

struct Comparison {
  std::string case_name, output, device, dtype;
  // "module": the plain modules (ATen ops); "fused": the same with the GPU backend's kernels;
  // "denoiser": a UNet as generation runs it (run_case below).
  std::string path = "module";
  double max_abs = 0;        // max |ours - expected|
  double rel = 0;            // max_abs / max |expected|
  double reference_rel = -1; // the reference's own rel at this dtype (-1 = not recorded)
  double bound = 0;          // rel must not exceed this
  bool pass = false;
};

// Case folders directly under `root` (those holding a case.json), sorted.
std::vector<std::string> find_cases(const std::string& root);

// Loads the case's weights into our module on device/dtype and compares every expected output.
// `denoiser_path`: a UNet runs as generation runs it on a GPU, through UNetDenoiser (fused q/k/v
// products, channels-last) and the registered accelerator (a CUDA graph, replayed); the caller
// turns the backend's fused kernels on. Other kinds ignore it.
std::vector<Comparison> run_case(const std::string& case_dir, const torch::Device& device, torch::Dtype dtype,
                                 bool denoiser_path = false);

nlohmann::json to_json(const std::vector<Comparison>& results);

}  // namespace drf::parity
