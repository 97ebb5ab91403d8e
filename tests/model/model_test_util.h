// Helpers shared by the model tests: temporary folders, tiny random models, a minimal but
// valid CLIP tokenizer folder, and a diffusers folder written from modules.
#pragma once
#include <string>

#include "core/models/sd/sd_model.h"

namespace drf::test {

// A fresh empty folder under the system temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The tiny preset with deterministic random weights (fp32, CPU).
SdModules tiny_random_modules(const SdModelConfig& config, std::uint64_t seed = 7);

// vocab.json (the 256 byte symbols, each with "</w>", plus "hello</w>"-style merges results,
// BOS and EOS) and merges.txt, enough for the real CLIP tokenizer to run.
void write_tokenizer_folder(const std::string& dir);

// tokenizer/ and tokenizer_2/ (CLIP, as above) and tokenizer_3/tokenizer.json: a T5-style
// Unigram tokenizer with a handful of pieces (ids < 30, within any T5's vocabulary): the
// tokenizer side of an SD3 diffusers folder, for single-file SD3 checkpoints.
void write_sd3_tokenizer_folders(const std::string& dir);

// A complete diffusers folder (model_index.json, configs, safetensors, tokenizer, scheduler).
void write_diffusers_folder(const std::string& dir, const SdModelConfig& config, const SdModules& modules);

void write_text(const std::string& path, const std::string& text);

// Max |a - b|.
double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace drf::test
