#include "app/train/model_export.h"

#include "core/io/safetensors_writer.h"
#include "core/util/errors.h"

namespace drf::train {
namespace fs = std::filesystem;

namespace {

TensorMap to_half(const TensorMap& tensors, const std::string& what) {
  TensorMap out;
  for (const auto& kv : tensors) {
    auto t = kv.second.detach().to(torch::kCPU, torch::kFloat32);
    if (!torch::isfinite(t).all().item<bool>() || t.abs().max().item<double>() > 65000.0)
      throw UsageError(what + " tensor '" + kv.first + "' has values that do not fit fp16: not exporting");
    out[kv.first] = t.to(torch::kHalf).contiguous();
  }
  return out;
}

void copy_into(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw IoError("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
}

}  // namespace

void export_builtin_model(const fs::path& dir, const BuiltinModelConfig& config, const TensorMap& unet,
                          const TensorMap& text_encoder, const fs::path& tokenizer_dir) {
  std::error_code ec;
  for (const char* sub : {"unet", "text_encoder", builtin_files::kTokenizerDir, "scheduler"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) throw IoError("cannot create " + (dir / sub).string() + ": " + ec.message());
  }
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"model", "driffusion builtin emoji model"}};
  write_safetensors((dir / builtin_files::kUnetWeights).string(), to_half(unet, "UNet"), meta);
  write_safetensors((dir / builtin_files::kTextWeights).string(), to_half(text_encoder, "text encoder"), meta);
  write_builtin_model_config(dir, config);
  const fs::path tok_out = dir / builtin_files::kTokenizerDir;
  if (fs::weakly_canonical(tokenizer_dir, ec) != fs::weakly_canonical(tok_out, ec)) {
    copy_into(tokenizer_dir / "vocab.json", tok_out / "vocab.json");
    copy_into(tokenizer_dir / "merges.txt", tok_out / "merges.txt");
  }
}

}  // namespace drf::train
