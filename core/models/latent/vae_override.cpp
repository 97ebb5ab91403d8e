#include "core/models/latent/vae_override.h"

#include <filesystem>
#include <set>

#include "core/io/checkpoint_format.h"
#include "core/io/safetensors_reader.h"
#include "core/models/loaders/config_json.h"
#include "core/models/loaders/diffusers_components.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/loaders/weight_source.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const WeightSource> open_file(const std::string& path) {
  return std::make_shared<SafetensorsWeightSource>(std::make_shared<const SafetensorsFile>(path));
}

// The file in diffusers names: as is (older attention names renamed); in LDM names with or
// without first_stage_model.: through the LDM key map, every file tensor checked.
std::shared_ptr<const WeightSource> diffusers_view(std::shared_ptr<const WeightSource> file, const AutoencoderKL& vae,
                                                   const VaeConfig& config) {
  if (file->contains("decoder.conv_in.weight") && file->contains("decoder.up_blocks.0.resnets.0.conv1.weight"))
    return with_current_vae_names(file);
  std::string prefix;
  if (file->contains(std::string(kLdmVaePrefix) + "decoder.up.0.block.0.conv1.weight")) prefix = kLdmVaePrefix;
  else if (!file->contains("decoder.up.0.block.0.conv1.weight"))
    throw InputError(file->describe() + " holds no VAE decoder (neither decoder.up_blocks.* nor decoder.up.* nor "
                     "first_stage_model.decoder.up.* tensors): not a VAE file");
  auto map = ldm_vae_key_map(single_file_parameter_names(*vae), config);
  if (prefix.empty())
    for (auto& kv : map) kv.second.source_key = kv.second.source_key.substr(std::string(kLdmVaePrefix).size());
  const std::string scope = prefix;  // a whole checkpoint: only its VAE tensors are ours to check
  std::set<std::string> used;
  for (const auto& kv : map) used.insert(kv.second.source_key);
  for (const auto& n : file->names()) {
    if (!starts_with(n, scope) || used.count(n) || starts_with(n, scope + "loss.")) continue;
    if (prefix.empty() && !starts_with(n, "encoder.") && !starts_with(n, "decoder.") && !starts_with(n, "quant_conv.") &&
        !starts_with(n, "post_quant_conv."))
      continue;  // a bare VAE file's other tensors (none in practice) are not VAE weights
    throw InputError(file->describe() + " (VAE): unexpected tensor '" + n + "': not a VAE of this model's architecture");
  }
  return std::make_shared<MappedWeightSource>(file, std::move(map));
}

}  // namespace

AutoencoderKL load_vae_override(const std::string& path, const VaeConfig& model_vae, torch::Dtype dtype,
                                const torch::Device& device) {
  std::error_code ec;
  VaeConfig config = model_vae;
  std::string weights;
  bool diffusers_folder = false;
  if (fs::is_directory(path, ec)) {
    fs::path dir(path);
    if (!fs::is_regular_file(dir / "config.json") && fs::is_regular_file(dir / "vae" / "config.json")) dir /= "vae";
    const std::string config_path = require_component_file(dir / "config.json");
    config = parse_vae_config(config_json::read_file(config_path), config_path);
    weights = find_component_weights(dir, "diffusion_pytorch_model", config.force_upcast ? torch::kFloat32 : dtype);
    diffusers_folder = true;
  } else {
    if (has_pickle_extension(path)) throw InputError(pickle_refusal_message(path));
    if (!fs::is_regular_file(path, ec)) throw InputError("VAE '" + path + "' does not exist (expected a .safetensors file or a folder)");
    weights = path;
  }
  if (config.latent_channels != model_vae.latent_channels)
    throw InputError("VAE '" + path + "' has " + std::to_string(config.latent_channels) +
                     " latent channels but the model's latents have " + std::to_string(model_vae.latent_channels) +
                     ": the VAE belongs to another model family");
  const torch::Dtype vae_dtype = config.force_upcast ? torch::kFloat32 : dtype;
  AutoencoderKL vae(config, torch::TensorOptions().device(device).dtype(vae_dtype));
  auto file = open_file(weights);
  WeightLoadOptions o;
  o.component = "VAE override";
  if (diffusers_folder) {
    load_weights(*vae, *with_current_vae_names(file), vae_dtype, device, o);
  } else {
    o.reject_unexpected = false;  // checked by diffusers_view in the file's own key space
    load_weights(*vae, *diffusers_view(file, vae, config), vae_dtype, device, o);
  }
  vae->eval();
  return vae;
}

}  // namespace drf
