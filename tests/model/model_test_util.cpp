#include "model_test_util.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "core/io/remove_tree.h"
#include "core/io/safetensors_writer.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/loaders/weight_loader.h"
#include "core/text/bpe.h"

namespace drf::test {
namespace fs = std::filesystem;

TempDir::TempDir(const std::string& tag) {
  std::random_device rd;
  fs::path p = fs::temp_directory_path() / ("drf_" + tag + "_" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(p);
  path_ = p.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  remove_tree(path_, ec);
}

SdModules tiny_random_modules(const SdModelConfig& config, std::uint64_t seed) {
  SdModules m = build_sd_modules(config, torch::TensorOptions().dtype(torch::kFloat32));
  init_random_weights(*m.unet, seed);
  init_random_weights(*m.text_encoder, seed + 1);
  init_random_weights(*m.vae, seed + 2);
  // Non-trivial norms and biases, so that a swapped weight/bias or a dropped bias shows.
  torch::NoGradGuard ng;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (auto* mod : std::initializer_list<torch::nn::Module*>{m.unet.get(), m.text_encoder.get(), m.vae.get()})
    for (auto& p : mod->parameters())
      if (p.dim() == 1) p.add_(torch::randn(p.sizes(), gen) * 0.1);
  return m;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void write_tokenizer_folder(const std::string& dir) {
  fs::create_directories(dir);
  nlohmann::json vocab = nlohmann::json::object();
  const auto& symbols = byte_level_symbols();
  int id = 0;
  for (const auto& s : symbols) vocab[s] = id++;
  for (const auto& s : symbols) vocab[s + "</w>"] = id++;
  const std::vector<std::pair<std::string, std::string>> merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o</w>"}};
  for (const auto& [a, b] : merges) vocab[a + b] = id++;
  vocab["<|startoftext|>"] = id++;
  vocab["<|endoftext|>"] = id++;
  write_text(dir + "/vocab.json", vocab.dump());
  std::string m = "#version: 0.2\n";
  for (const auto& [a, b] : merges) m += a + " " + b + "\n";
  write_text(dir + "/merges.txt", m);
}

namespace {

std::string t5_unigram_tokenizer_json() {
  const std::string sp = "\xE2\x96\x81";
  nlohmann::json vocab = nlohmann::json::array({{"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}});
  for (const char* p : {"a", "l", "i", "g", "h", "t", "o", "u", "s", "e"}) vocab.push_back({sp + p, -4.0});
  for (const char* p : {"a", "l", "i", "g", "h", "t", "o", "u", "s", "e", "d", "k", "r", "n"}) vocab.push_back({p, -5.0});
  nlohmann::json j{
      {"added_tokens",
       {{{"id", 0}, {"content", "<pad>"}, {"special", true}}, {{"id", 1}, {"content", "</s>"}, {"special", true}}}},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", {{{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}}}}}},
      {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "always"}, {"split", true}}},
      {"model", {{"type", "Unigram"}, {"unk_id", 2}, {"vocab", vocab}}}};
  return j.dump();
}

}  // namespace

void write_sd3_tokenizer_folders(const std::string& dir) {
  write_tokenizer_folder(dir + "/tokenizer");
  write_tokenizer_folder(dir + "/tokenizer_2");
  std::filesystem::create_directories(dir + "/tokenizer_3");
  write_text(dir + "/tokenizer_3/tokenizer.json", t5_unigram_tokenizer_json());
}

void write_diffusers_folder(const std::string& dir, const SdModelConfig& c, const SdModules& m) {
  for (const char* sub : {"unet", "text_encoder", "vae", "scheduler"}) fs::create_directories(dir + "/" + sub);
  write_text(dir + "/model_index.json", R"({"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0"})");
  write_text(dir + "/unet/config.json", unet_config_to_json(c.unet).dump(2));
  write_text(dir + "/text_encoder/config.json", clip_text_config_to_json(c.text).dump(2));
  write_text(dir + "/vae/config.json", vae_config_to_json(c.vae).dump(2));
  write_text(dir + "/scheduler/scheduler_config.json",
             R"({"_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": false, "steps_offset": 1,
                 "clip_sample": false, "timestep_spacing": "leading"})");
  write_safetensors(dir + "/unet/diffusion_pytorch_model.safetensors", module_state(*m.unet));
  auto text = module_state(*m.text_encoder);
  // transformers files carry the position_ids buffer; the loader must tolerate it.
  text["text_model.embeddings.position_ids"] = torch::arange(c.text.max_position_embeddings).unsqueeze(0);
  write_safetensors(dir + "/text_encoder/model.safetensors", text);
  write_safetensors(dir + "/vae/diffusion_pytorch_model.safetensors", module_state(*m.vae));
  write_tokenizer_folder(dir + "/tokenizer");
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

}  // namespace drf::test
