#include "core/models/vae/vae_config.h"

#include "core/models/loaders/config_json.h"
#include "core/util/errors.h"

namespace drf {
namespace cj = config_json;

void VaeConfig::validate(const std::string& where) const {
  if (block_out_channels.empty() || block_out_channels.size() > 8)
    throw InputError(where + ": block_out_channels must have 1 to 8 entries");
  for (int64_t ch : block_out_channels)
    if (ch % norm_num_groups != 0)
      throw InputError(where + ": block_out_channels entry " + std::to_string(ch) + " is not divisible by norm_num_groups " +
                       std::to_string(norm_num_groups));
  if (!(scaling_factor > 0)) throw InputError(where + ": scaling_factor must be positive");
}

VaeConfig parse_vae_config(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": not a JSON object");
  VaeConfig c;
  c.in_channels = cj::get_int(j, "in_channels", 3, where, 1, 64);
  c.out_channels = cj::get_int(j, "out_channels", 3, where, 1, 64);
  c.block_out_channels = cj::get_ints(j, "block_out_channels", where, 1, 1 << 14);
  const std::size_t n = c.block_out_channels.size();
  for (const char* key : {"down_block_types", "up_block_types"}) {
    if (!cj::has(j, key)) continue;
    const auto types = cj::get_strings(j, key, where);
    const std::string want = key[0] == 'd' ? "DownEncoderBlock2D" : "UpDecoderBlock2D";
    if (types.size() != n) throw InputError(where + ": " + key + " must have one entry per block_out_channels entry");
    for (const auto& t : types)
      if (t != want) throw InputError(where + ": " + key + " entry '" + t + "' is not supported (" + want + ")");
  }
  c.layers_per_block = cj::get_int(j, "layers_per_block", 1, where, 1, 64);
  c.latent_channels = cj::get_int(j, "latent_channels", 4, where, 1, 256);
  c.norm_num_groups = cj::get_int(j, "norm_num_groups", 32, where, 1, 1 << 12);
  c.sample_size = cj::get_int(j, "sample_size", 32, where, 1, 1 << 14);
  c.scaling_factor = cj::get_number(j, "scaling_factor", 0.18215, where);
  c.force_upcast = cj::get_bool(j, "force_upcast", false, where);
  c.shift_factor = cj::get_number(j, "shift_factor", 0.0, where);
  c.use_quant_conv = cj::get_bool(j, "use_quant_conv", true, where);
  c.use_post_quant_conv = cj::get_bool(j, "use_post_quant_conv", true, where);
  c.mid_block_add_attention = cj::get_bool(j, "mid_block_add_attention", true, where);
  cj::require_absent_or(j, "act_fn", "silu", where);
  cj::require_absent_or(j, "latents_mean", nullptr, where);
  cj::require_absent_or(j, "latents_std", nullptr, where);
  c.validate(where);
  return c;
}

nlohmann::json vae_config_to_json(const VaeConfig& c) {
  const std::size_t n = c.block_out_channels.size();
  nlohmann::json j;
  j["_class_name"] = "AutoencoderKL";
  j["in_channels"] = c.in_channels;
  j["out_channels"] = c.out_channels;
  j["down_block_types"] = std::vector<std::string>(n, "DownEncoderBlock2D");
  j["up_block_types"] = std::vector<std::string>(n, "UpDecoderBlock2D");
  j["block_out_channels"] = c.block_out_channels;
  j["layers_per_block"] = c.layers_per_block;
  j["act_fn"] = "silu";
  j["latent_channels"] = c.latent_channels;
  j["norm_num_groups"] = c.norm_num_groups;
  j["sample_size"] = c.sample_size;
  j["scaling_factor"] = c.scaling_factor;
  j["force_upcast"] = c.force_upcast;
  if (c.shift_factor != 0.0) j["shift_factor"] = c.shift_factor;
  j["use_quant_conv"] = c.use_quant_conv;
  j["use_post_quant_conv"] = c.use_post_quant_conv;
  j["mid_block_add_attention"] = c.mid_block_add_attention;
  return j;
}

VaeConfig vae_config_sd15() { return VaeConfig{}; }

VaeConfig vae_config_sd21() {
  VaeConfig c;
  c.sample_size = 768;
  return c;
}

VaeConfig vae_config_sdxl() {
  VaeConfig c = vae_config_sd15();
  c.sample_size = 1024;
  c.scaling_factor = 0.13025;
  c.force_upcast = true;
  return c;
}

VaeConfig vae_config_tiny() {
  VaeConfig c;
  c.block_out_channels = {8, 8, 16, 16};
  c.layers_per_block = 1;
  c.norm_num_groups = 4;
  c.sample_size = 64;
  return c;
}

}  // namespace drf
