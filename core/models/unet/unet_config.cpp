#include "core/models/unet/unet_config.h"

#include "core/models/loaders/config_json.h"
#include "core/util/errors.h"

namespace drf {
namespace cj = config_json;

void UNetConfig::validate(const std::string& where) const {
  const std::size_t n = block_out_channels.size();
  auto fail = [&](const std::string& m) { throw InputError(where + ": " + m); };
  if (n == 0) fail("block_out_channels is empty");
  if (down_block_types.size() != n || up_block_types.size() != n)
    fail("down_block_types, up_block_types and block_out_channels must have the same length");
  if (layers_per_block.size() != n || attention_heads.size() != n || transformer_layers_per_block.size() != n)
    fail("per-block fields must have one entry per block");
  for (std::size_t i = 0; i < n; ++i) {
    const auto& d = down_block_types[i];
    const auto& u = up_block_types[i];
    if (d != "CrossAttnDownBlock2D" && d != "DownBlock2D") fail("down block type '" + d + "' is not supported");
    if (u != "CrossAttnUpBlock2D" && u != "UpBlock2D") fail("up block type '" + u + "' is not supported");
    if (block_out_channels[i] % norm_num_groups != 0)
      fail("block_out_channels[" + std::to_string(i) + "] = " + std::to_string(block_out_channels[i]) +
           " is not divisible by norm_num_groups = " + std::to_string(norm_num_groups));
    if (block_out_channels[i] % attention_heads[i] != 0)
      fail("block_out_channels[" + std::to_string(i) + "] is not divisible by its attention head count");
  }
  if (block_out_channels.back() % attention_heads.back() != 0) fail("mid block channels not divisible by heads");
  if (conv_in_kernel % 2 == 0 || conv_out_kernel % 2 == 0) fail("conv kernels must be odd");
  if (!addition_embed_type.empty()) {
    if (!text_time()) fail("addition_embed_type '" + addition_embed_type + "' is not supported (only text_time)");
    if (addition_time_embed_dim < 1) fail("addition_embed_type text_time needs addition_time_embed_dim >= 1");
    // The pooled embedding's width is what remains after the time ids: at least one of each.
    if (projection_class_embeddings_input_dim <= addition_time_embed_dim)
      fail("projection_class_embeddings_input_dim must exceed addition_time_embed_dim");
  }
}

UNetConfig parse_unet_config(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": not a JSON object");
  UNetConfig c;
  c.sample_size = cj::get_int(j, "sample_size", 64, where, 1, 4096);
  c.in_channels = cj::get_int(j, "in_channels", 4, where, 1, 64);
  c.out_channels = cj::get_int(j, "out_channels", 4, where, 1, 64);
  c.center_input_sample = cj::get_bool(j, "center_input_sample", false, where);
  c.flip_sin_to_cos = cj::get_bool(j, "flip_sin_to_cos", true, where);
  c.freq_shift = cj::get_number(j, "freq_shift", 0.0, where);
  c.down_block_types = cj::get_strings(j, "down_block_types", where);
  c.up_block_types = cj::get_strings(j, "up_block_types", where);
  c.block_out_channels = cj::get_ints(j, "block_out_channels", where, 1, 1 << 14);
  const std::size_t n = c.block_out_channels.size();
  c.layers_per_block = cj::get_int_or_list(j, "layers_per_block", n, 2, where, 1, 64);
  cj::require_absent_or(j, "num_attention_heads", nullptr, where);  // diffusers itself refuses it
  c.attention_heads = cj::get_int_or_list(j, "attention_head_dim", n, 8, where, 1, 1 << 12);
  c.transformer_layers_per_block = cj::get_int_or_list(j, "transformer_layers_per_block", n, 1, where, 1, 64);
  c.downsample_padding = cj::get_int(j, "downsample_padding", 1, where, 0, 1);
  c.mid_block_scale_factor = cj::get_number(j, "mid_block_scale_factor", 1.0, where);
  c.norm_num_groups = cj::get_int(j, "norm_num_groups", 32, where, 1, 1 << 12);
  c.norm_eps = cj::get_number(j, "norm_eps", 1e-5, where);
  if (j.contains("cross_attention_dim") && j.at("cross_attention_dim").is_array())
    throw InputError(where + ": a per-block cross_attention_dim list is not supported");
  c.cross_attention_dim = cj::get_int(j, "cross_attention_dim", 1280, where, 1, 1 << 14);
  c.use_linear_projection = cj::get_bool(j, "use_linear_projection", false, where);
  c.upcast_attention = cj::get_bool(j, "upcast_attention", false, where);
  c.conv_in_kernel = cj::get_int(j, "conv_in_kernel", 3, where, 1, 7);
  c.conv_out_kernel = cj::get_int(j, "conv_out_kernel", 3, where, 1, 7);

  // Fields whose other values change the architecture in ways SD 1.x/2.x never use.
  cj::require_absent_or(j, "mid_block_type", "UNetMidBlock2DCrossAttn", where);
  cj::require_absent_or(j, "act_fn", "silu", where);
  cj::require_absent_or(j, "resnet_time_scale_shift", "default", where);
  cj::require_absent_or(j, "time_embedding_type", "positional", where);
  cj::require_absent_or(j, "dual_cross_attention", false, where);
  cj::require_absent_or(j, "only_cross_attention", false, where);
  cj::require_absent_or(j, "class_embed_type", nullptr, where);
  cj::require_absent_or(j, "num_class_embeds", nullptr, where);
  if (cj::has(j, "addition_embed_type")) {
    c.addition_embed_type = cj::get_string(j, "addition_embed_type", "", where);
    c.addition_time_embed_dim = cj::get_int(j, "addition_time_embed_dim", 0, where, 1, 1 << 12);
    c.projection_class_embeddings_input_dim =
        cj::get_int(j, "projection_class_embeddings_input_dim", 0, where, 1, 1 << 16);
  }
  cj::require_absent_or(j, "encoder_hid_dim", nullptr, where);
  cj::require_absent_or(j, "time_embedding_dim", nullptr, where);
  cj::require_absent_or(j, "time_embedding_act_fn", nullptr, where);
  cj::require_absent_or(j, "timestep_post_act", nullptr, where);
  cj::require_absent_or(j, "time_cond_proj_dim", nullptr, where);
  cj::require_absent_or(j, "attention_type", "default", where);
  cj::require_absent_or(j, "reverse_transformer_layers_per_block", nullptr, where);
  cj::require_absent_or(j, "resnet_skip_time_act", false, where);
  cj::require_absent_or(j, "cross_attention_norm", nullptr, where);
  cj::require_absent_or(j, "encoder_hid_dim_type", nullptr, where);
  c.validate(where);
  return c;
}

nlohmann::json unet_config_to_json(const UNetConfig& c) {
  nlohmann::json j;
  j["_class_name"] = "UNet2DConditionModel";
  j["sample_size"] = c.sample_size;
  j["in_channels"] = c.in_channels;
  j["out_channels"] = c.out_channels;
  j["center_input_sample"] = c.center_input_sample;
  j["flip_sin_to_cos"] = c.flip_sin_to_cos;
  j["freq_shift"] = c.freq_shift;
  j["down_block_types"] = c.down_block_types;
  j["up_block_types"] = c.up_block_types;
  j["mid_block_type"] = "UNetMidBlock2DCrossAttn";
  j["block_out_channels"] = c.block_out_channels;
  j["layers_per_block"] = c.layers_per_block;
  j["attention_head_dim"] = c.attention_heads;
  j["transformer_layers_per_block"] = c.transformer_layers_per_block;
  j["downsample_padding"] = c.downsample_padding;
  j["mid_block_scale_factor"] = c.mid_block_scale_factor;
  j["act_fn"] = "silu";
  j["norm_num_groups"] = c.norm_num_groups;
  j["norm_eps"] = c.norm_eps;
  j["cross_attention_dim"] = c.cross_attention_dim;
  j["use_linear_projection"] = c.use_linear_projection;
  j["upcast_attention"] = c.upcast_attention;
  j["conv_in_kernel"] = c.conv_in_kernel;
  j["conv_out_kernel"] = c.conv_out_kernel;
  if (!c.addition_embed_type.empty()) {
    j["addition_embed_type"] = c.addition_embed_type;
    j["addition_time_embed_dim"] = c.addition_time_embed_dim;
    j["projection_class_embeddings_input_dim"] = c.projection_class_embeddings_input_dim;
  }
  return j;
}

namespace {
UNetConfig sd_common() {
  UNetConfig c;
  c.down_block_types = {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
  c.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"};
  c.block_out_channels = {320, 640, 1280, 1280};
  c.layers_per_block = {2, 2, 2, 2};
  c.transformer_layers_per_block = {1, 1, 1, 1};
  return c;
}
}  // namespace

UNetConfig unet_config_sd15() {
  UNetConfig c = sd_common();
  c.sample_size = 64;
  c.attention_heads = {8, 8, 8, 8};
  c.cross_attention_dim = 768;
  return c;
}

UNetConfig unet_config_sd21() {
  UNetConfig c = sd_common();
  c.sample_size = 96;
  c.attention_heads = {5, 10, 20, 20};  // 64-wide heads
  c.cross_attention_dim = 1024;
  c.use_linear_projection = true;
  c.upcast_attention = true;
  return c;
}

UNetConfig unet_config_tiny() {
  UNetConfig c;
  c.sample_size = 8;
  c.down_block_types = {"CrossAttnDownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"};
  c.up_block_types = {"CrossAttnUpBlock2D", "UpBlock2D", "CrossAttnUpBlock2D"};
  c.block_out_channels = {8, 16, 16};
  c.layers_per_block = {1, 1, 1};
  c.attention_heads = {2, 4, 2};
  c.transformer_layers_per_block = {1, 1, 1};
  c.norm_num_groups = 4;
  c.cross_attention_dim = 16;
  return c;
}

UNetConfig unet_config_sdxl() {
  UNetConfig c;
  c.sample_size = 128;
  c.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
  c.up_block_types = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
  c.block_out_channels = {320, 640, 1280};
  c.layers_per_block = {2, 2, 2};
  c.attention_heads = {5, 10, 20};  // 64-wide heads
  c.transformer_layers_per_block = {1, 2, 10};
  c.cross_attention_dim = 2048;
  c.use_linear_projection = true;
  c.addition_embed_type = "text_time";
  c.addition_time_embed_dim = 256;
  c.projection_class_embeddings_input_dim = 2816;
  return c;
}

UNetConfig unet_config_sdxl_refiner() {
  UNetConfig c;
  c.sample_size = 128;
  c.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
  c.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
  c.block_out_channels = {384, 768, 1536, 1536};
  c.layers_per_block = {2, 2, 2, 2};
  c.attention_heads = {6, 12, 24, 24};  // 64-wide heads
  c.transformer_layers_per_block = {4, 4, 4, 4};
  c.cross_attention_dim = 1280;
  c.use_linear_projection = true;
  c.addition_embed_type = "text_time";
  c.addition_time_embed_dim = 256;
  c.projection_class_embeddings_input_dim = 2560;
  return c;
}

UNetConfig unet_config_sdxl_tiny() {
  UNetConfig c;
  c.sample_size = 8;
  c.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
  c.up_block_types = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
  c.block_out_channels = {8, 16, 16};
  c.layers_per_block = {1, 1, 1};
  c.attention_heads = {2, 2, 4};
  c.transformer_layers_per_block = {1, 2, 3};
  c.norm_num_groups = 4;
  c.cross_attention_dim = 24;
  c.use_linear_projection = true;
  c.addition_embed_type = "text_time";
  c.addition_time_embed_dim = 4;
  c.projection_class_embeddings_input_dim = 8 + 6 * 4;
  return c;
}

}  // namespace drf
