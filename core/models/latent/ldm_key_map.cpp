#include "core/models/latent/ldm_key_map.h"

#include <algorithm>
#include <regex>

#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf {
namespace {

std::string replace_first(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

// diffusers ResnetBlock2D names -> LDM ResBlock names (UNet).
std::string unet_resnet_rest(const std::string& rest) {
  static const std::pair<const char*, const char*> renames[] = {
      {"norm1.", "in_layers.0."},  {"conv1.", "in_layers.2."},          {"time_emb_proj.", "emb_layers.1."},
      {"norm2.", "out_layers.0."}, {"conv2.", "out_layers.3."},         {"conv_shortcut.", "skip_connection."}};
  for (const auto& [from, to] : renames)
    if (starts_with(rest, from)) return to + rest.substr(std::string(from).size());
  return rest;
}

[[noreturn]] void unmapped(const std::string& what, const std::string& name) {
  throw Error(ErrorKind::Internal, "no LDM key rule for " + what + " tensor '" + name + "'");
}

}  // namespace

std::map<std::string, KeyMapping> ldm_unet_key_map(const std::vector<std::string>& names, const UNetConfig& c) {
  const auto n = static_cast<std::size_t>(c.blocks());
  // LDM numbers input_blocks 1.. over all layers and downsamplers; output_blocks over all up layers.
  std::vector<int64_t> first_input(n), first_output(n);
  int64_t next = 1;
  for (std::size_t b = 0; b < n; ++b) {
    first_input[b] = next;
    next += c.layers_per_block[b] + (b + 1 < n ? 1 : 0);
  }
  next = 0;
  for (std::size_t b = 0; b < n; ++b) {
    first_output[b] = next;
    next += c.layers_per_block[n - 1 - b] + 1;
  }
  static const std::regex block_re(R"(^(down_blocks|up_blocks)\.(\d+)\.(resnets|attentions|downsamplers|upsamplers)\.(\d+)\.(.*)$)");
  static const std::regex mid_re(R"(^mid_block\.(resnets|attentions)\.(\d+)\.(.*)$)");
  std::map<std::string, KeyMapping> out;
  const std::string p = kLdmUnetPrefix;
  for (const auto& name : names) {
    std::smatch m;
    std::string key;
    if (starts_with(name, "conv_in.")) {
      key = "input_blocks.0.0." + name.substr(8);
    } else if (starts_with(name, "time_embedding.linear_1.")) {
      key = "time_embed.0." + name.substr(24);
    } else if (starts_with(name, "time_embedding.linear_2.")) {
      key = "time_embed.2." + name.substr(24);
    } else if (starts_with(name, "add_embedding.linear_1.")) {
      key = "label_emb.0.0." + name.substr(23);
    } else if (starts_with(name, "add_embedding.linear_2.")) {
      key = "label_emb.0.2." + name.substr(23);
    } else if (starts_with(name, "conv_norm_out.")) {
      key = "out.0." + name.substr(14);
    } else if (starts_with(name, "conv_out.")) {
      key = "out.2." + name.substr(9);
    } else if (std::regex_match(name, m, mid_re)) {
      const int idx = std::stoi(m[2]);
      key = m[1] == "resnets" ? "middle_block." + std::to_string(idx == 0 ? 0 : 2) + "." + unet_resnet_rest(m[3])
                              : "middle_block.1." + std::string(m[3]);
    } else if (std::regex_match(name, m, block_re)) {
      const auto b = static_cast<std::size_t>(std::stoul(m[2]));
      const int64_t j = std::stoll(m[4]);
      const std::string kind = m[3], rest = m[5];
      if (b >= n) unmapped("UNet", name);
      if (m[1] == "down_blocks") {
        const std::string idx = std::to_string(first_input[b] + j);
        if (kind == "resnets") key = "input_blocks." + idx + ".0." + unet_resnet_rest(rest);
        else if (kind == "attentions") key = "input_blocks." + idx + ".1." + rest;
        else key = "input_blocks." + std::to_string(first_input[b] + c.layers_per_block[b]) + ".0.op." +
                   replace_first(rest, "conv.", "");
      } else {
        const std::string idx = std::to_string(first_output[b] + j);
        if (kind == "resnets") {
          key = "output_blocks." + idx + ".0." + unet_resnet_rest(rest);
        } else if (kind == "attentions") {
          key = "output_blocks." + idx + ".1." + rest;
        } else {
          const bool attn = c.up_block_types[b] == "CrossAttnUpBlock2D";
          key = "output_blocks." + std::to_string(first_output[b] + c.layers_per_block[n - 1 - b]) +
                (attn ? ".2." : ".1.") + rest;
        }
      }
    } else {
      unmapped("UNet", name);
    }
    out[name] = KeyMapping{p + key};
  }
  return out;
}

std::map<std::string, KeyMapping> ldm_vae_key_map(const std::vector<std::string>& names, const VaeConfig& c) {
  const int64_t n = static_cast<int64_t>(c.block_out_channels.size());
  static const std::regex block_re(R"(^(encoder|decoder)\.(down_blocks|up_blocks)\.(\d+)\.(resnets|downsamplers|upsamplers)\.(\d+)\.(.*)$)");
  static const std::regex mid_re(R"(^(encoder|decoder)\.mid_block\.(resnets|attentions)\.(\d+)\.(.*)$)");
  std::map<std::string, KeyMapping> out;
  const std::string p = kLdmVaePrefix;
  for (const auto& name : names) {
    std::smatch m;
    KeyMapping km;
    std::string key;
    if (std::regex_match(name, m, block_re)) {
      const int64_t i = std::stoll(m[3]);
      const std::string part = m[1], kind = m[4], rest = m[6];
      // The LDM decoder numbers its up levels from the bottom: diffusers up_blocks[i] = up[n-1-i].
      const std::string level = part + (part == "encoder" ? ".down." + std::to_string(i) : ".up." + std::to_string(n - 1 - i));
      if (kind == "resnets") key = level + ".block." + std::string(m[5]) + "." + replace_first(rest, "conv_shortcut.", "nin_shortcut.");
      else key = level + (kind == "downsamplers" ? ".downsample." : ".upsample.") + rest;
    } else if (std::regex_match(name, m, mid_re)) {
      const std::string part = m[1], rest = m[4];
      if (m[2] == "resnets") {
        key = part + ".mid.block_" + std::to_string(std::stoi(m[3]) + 1) + "." + replace_first(rest, "conv_shortcut.", "nin_shortcut.");
      } else {
        static const std::pair<const char*, const char*> renames[] = {
            {"group_norm.", "norm."}, {"to_q.", "q."}, {"to_k.", "k."}, {"to_v.", "v."}, {"to_out.0.", "proj_out."}};
        std::string r = rest;
        for (const auto& [from, to] : renames)
          if (starts_with(r, from)) r = to + r.substr(std::string(from).size());
        key = part + ".mid.attn_1." + r;
        km.drop_trailing_ones = true;  // LDM stores these projections as 1x1 convolutions
      }
    } else if (starts_with(name, "encoder.conv_norm_out.") || starts_with(name, "decoder.conv_norm_out.")) {
      key = replace_first(name, "conv_norm_out.", "norm_out.");
    } else if (starts_with(name, "encoder.conv_") || starts_with(name, "decoder.conv_") ||
               starts_with(name, "quant_conv.") || starts_with(name, "post_quant_conv.")) {
      key = name;
    } else {
      unmapped("VAE", name);
    }
    km.source_key = p + key;
    out[name] = km;
  }
  return out;
}

std::map<std::string, KeyMapping> ldm_clip_key_map(const std::vector<std::string>& names, const std::string& prefix,
                                                   bool strip_text_model) {
  std::map<std::string, KeyMapping> out;
  for (const auto& name : names)
    out[name] = KeyMapping{prefix + (strip_text_model && starts_with(name, "text_model.") ? name.substr(11) : name)};
  return out;
}

std::map<std::string, KeyMapping> ldm_open_clip_key_map(const std::vector<std::string>& names, int64_t hidden_size) {
  return ldm_open_clip_key_map(names, hidden_size, kLdmOpenClipPrefix);
}

std::map<std::string, KeyMapping> ldm_open_clip_key_map(const std::vector<std::string>& names, int64_t hidden_size,
                                                        const std::string& prefix) {
  (void)hidden_size;  // q, k, v are the three equal thirds of in_proj along dim 0
  static const std::regex layer_re(R"(^text_model\.encoder\.layers\.(\d+)\.(.*)$)");
  std::map<std::string, KeyMapping> out;
  const std::string& p = prefix;
  for (const auto& name : names) {
    std::smatch m;
    KeyMapping km;
    if (name == "text_projection.weight") {
      km.source_key = p + "text_projection";
      km.transpose = true;
    } else if (name == "text_model.embeddings.token_embedding.weight") {
      km.source_key = p + "token_embedding.weight";
    } else if (name == "text_model.embeddings.position_embedding.weight") {
      km.source_key = p + "positional_embedding";
    } else if (starts_with(name, "text_model.final_layer_norm.")) {
      km.source_key = p + "ln_final." + name.substr(28);
    } else if (std::regex_match(name, m, layer_re)) {
      const std::string block = p + "transformer.resblocks." + std::string(m[1]) + ".";
      const std::string rest = m[2];
      static const std::pair<const char*, const char*> renames[] = {
          {"layer_norm1.", "ln_1."}, {"layer_norm2.", "ln_2."}, {"mlp.fc1.", "mlp.c_fc."},
          {"mlp.fc2.", "mlp.c_proj."}, {"self_attn.out_proj.", "attn.out_proj."}};
      bool done = false;
      for (const auto& [from, to] : renames)
        if (starts_with(rest, from)) {
          km.source_key = block + to + rest.substr(std::string(from).size());
          done = true;
        }
      if (!done) {
        static const char* qkv[] = {"self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj."};
        for (int i = 0; i < 3; ++i)
          if (starts_with(rest, qkv[i])) {
            const std::string field = rest.substr(std::string(qkv[i]).size());  // weight | bias
            km.source_key = block + "attn.in_proj_" + field;
            km.chunk = i;
            km.chunks = 3;
            done = true;
          }
      }
      if (!done) unmapped("OpenCLIP text encoder", name);
    } else {
      unmapped("OpenCLIP text encoder", name);
    }
    out[name] = km;
  }
  return out;
}

std::map<std::string, torch::Tensor> to_ldm_names(const std::map<std::string, torch::Tensor>& state,
                                                  const std::map<std::string, KeyMapping>& mapping) {
  std::map<std::string, torch::Tensor> out;
  std::map<std::string, std::vector<std::pair<int, torch::Tensor>>> fused;
  for (const auto& [name, t] : state) {
    auto it = mapping.find(name);
    if (it == mapping.end()) throw Error(ErrorKind::Internal, "to_ldm_names: no mapping for '" + name + "'");
    const KeyMapping& m = it->second;
    if (m.chunk >= 0) {
      fused[m.source_key].emplace_back(m.chunk, t);
    } else if (m.transpose) {
      out[m.source_key] = t.t().contiguous();
    } else if (m.drop_trailing_ones) {
      std::vector<int64_t> shape = t.sizes().vec();
      if (t.dim() == 2) shape.insert(shape.end(), {1, 1});
      out[m.source_key] = t.reshape(shape);
    } else {
      out[m.source_key] = t;
    }
  }
  for (auto& [key, parts] : fused) {
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<torch::Tensor> ts;
    for (auto& pt : parts) ts.push_back(pt.second);
    out[key] = torch::cat(ts, 0);
  }
  return out;
}

}  // namespace drf
