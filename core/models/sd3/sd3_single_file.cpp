#include "core/models/sd3/sd3_single_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

#include "core/io/safetensors_reader.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/loaders/weights_budget.h"
#include "core/models/sd3/sd3_diffusers_folder.h"
#include "core/models/sd3/sd3_mmdit_key_map.h"
#include "core/models/sd3/sd3_weights_budget.h"
#include "core/models/t5/t5_prompt_tokenizer.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/string_util.h"

namespace drf {
namespace fs = std::filesystem;
namespace {

const std::string kSd3ClipLProjection = std::string(kSd3ClipLPrefix) + "text_projection.weight";

// Reads a tensor from `first` when it has it, else from `second` (a file lacking CLIP-L's
// projection plus the identity that replaces it).
class Sd3FallbackWeightSource : public WeightSource {
 public:
  Sd3FallbackWeightSource(std::shared_ptr<const WeightSource> first, std::shared_ptr<const WeightSource> second)
      : first_(std::move(first)), second_(std::move(second)) {}
  std::string describe() const override { return first_->describe(); }
  std::vector<std::string> names() const override {
    auto a = first_->names(), b = second_->names();
    a.insert(a.end(), b.begin(), b.end());
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    return a;
  }
  bool contains(const std::string& n) const override { return first_->contains(n) || second_->contains(n); }
  std::vector<int64_t> shape(const std::string& n) const override { return of(n).shape(n); }
  bool is_floating(const std::string& n) const override { return of(n).is_floating(n); }
  torch::Tensor load(const std::string& n, torch::Dtype d, const torch::Device& dev) const override {
    return of(n).load(n, d, dev);
  }
  std::string display_name(const std::string& n) const override { return of(n).display_name(n); }

 private:
  const WeightSource& of(const std::string& n) const { return first_->contains(n) ? *first_ : *second_; }
  std::shared_ptr<const WeightSource> first_, second_;
};

// A file's shape of `key`, or InputError naming the file and the tensor SD3 needs.
std::vector<int64_t> sd3_required_shape(const WeightSource& f, const std::string& key, std::size_t dims) {
  if (!f.contains(key))
    throw InputError(f.describe() + " has no tensor '" + key + "': not a complete SD3 / SD3.5 checkpoint");
  auto s = f.shape(key);
  if (s.size() != dims)
    throw InputError(f.describe() + ": tensor '" + key + "' has " + std::to_string(s.size()) + " dimensions, SD3 expects " +
                     std::to_string(dims));
  for (int64_t v : s)
    if (v < 1) throw InputError(f.describe() + ": tensor '" + key + "' has an empty dimension");
  return s;
}

// The tensors of `module` (built on the meta device) that `view` lacks or holds in another
// shape, as messages; empty when every one is there with its shape. `skip`: names not required.
std::vector<std::string> sd3_shape_mismatches(const torch::nn::Module& module, const WeightSource& view,
                                              const std::function<bool(const std::string&)>& skip) {
  std::vector<std::string> out;
  for (const auto& [name, t] : module_state(module)) {
    if (skip && skip(name)) continue;
    if (!view.contains(name)) {
      out.push_back("no tensor " + view.display_name(name));
      continue;
    }
    const auto s = view.shape(name);
    if (s != t.sizes().vec()) {
      std::string have, want;
      for (auto v : s) have += (have.empty() ? "" : ", ") + std::to_string(v);
      for (auto v : t.sizes()) want += (want.empty() ? "" : ", ") + std::to_string(v);
      out.push_back(view.display_name(name) + " is [" + have + "], expected [" + want + "]");
    }
  }
  return out;
}

// The first of `candidates` whose module finds all its tensors in the file; InputError naming
// the component and the first mismatch of the closest candidate (fewest mismatches) otherwise.
template <typename Config>
Config sd3_matching_config(
    const std::vector<Config>& candidates, const std::string& component, const WeightSource& file,
    const std::function<std::vector<std::string>(const Config&, const torch::TensorOptions&)>& mismatches) {
  const auto meta = torch::TensorOptions().device(torch::kMeta).dtype(torch::kFloat32);
  std::vector<std::string> closest;
  for (const Config& c : candidates) {
    torch::NoGradGuard no_grad;
    const auto why = mismatches(c, meta);
    if (why.empty()) return c;
    if (closest.empty() || why.size() < closest.size()) closest = why;
  }
  throw InputError(file.describe() + ": the " + component + " is not SD3's (" + closest.front() +
                   (closest.size() > 1 ? " and " + std::to_string(closest.size() - 1) + " more" : std::string()) + ")");
}

std::map<std::string, KeyMapping> sd3_prefix_map(const std::vector<std::string>& names, const std::string& prefix) {
  return ldm_clip_key_map(names, prefix, false);  // prefix + the transformers name
}

std::map<std::string, KeyMapping> sd3_t5_file_map(const WeightSource& file) {
  const std::string p = kSd3T5Prefix;
  std::map<std::string, KeyMapping> m;
  for (const auto& n : file.names())
    if (starts_with(n, p)) m[n.substr(p.size())] = KeyMapping{n};
  return m;
}

bool sd3_ignorable_text_key(const std::string& k) {
  return ends_with(k, "embeddings.position_ids") || ends_with(k, ".logit_scale");
}

ClipTextConfig sd3_clip_config_from_file(const WeightSource& file, const std::string& prefix, bool large_g,
                                         const std::string& component) {
  const std::vector<ClipTextConfig> candidates =
      large_g ? std::vector<ClipTextConfig>{clip_text_config_sd3_g(), clip_text_config_sd3_tiny_g()}
              : std::vector<ClipTextConfig>{clip_text_config_sd3_l(), clip_text_config_sd3_tiny_l()};
  const auto file_ptr = std::shared_ptr<const WeightSource>(&file, [](const WeightSource*) {});
  return sd3_matching_config<ClipTextConfig>(
      candidates, component, file, [&](const ClipTextConfig& c, const torch::TensorOptions& meta) {
        ClipTextModel m(c, meta);
        MappedWeightSource view(file_ptr, sd3_prefix_map(single_file_parameter_names(*m), prefix));
        // CLIP-L's projection may be absent (identity).
        return sd3_shape_mismatches(*m, view, [&](const std::string& n) {
          return !large_g && n == "text_projection.weight" && !view.contains(n);
        });
      });
}

T5EncoderConfig sd3_t5_config_from_file(const WeightSource& file) {
  const auto file_ptr = std::shared_ptr<const WeightSource>(&file, [](const WeightSource*) {});
  auto map = sd3_t5_file_map(file);
  if (!map.count("shared.weight") && map.count("encoder.embed_tokens.weight"))
    map["shared.weight"] = map.at("encoder.embed_tokens.weight");
  return sd3_matching_config<T5EncoderConfig>(
      {t5_encoder_config_xxl(), t5_encoder_config_tiny()}, "T5 text encoder", file,
      [&](const T5EncoderConfig& c, const torch::TensorOptions& meta) {
        T5EncoderModel m(c, meta);
        return sd3_shape_mismatches(*m, MappedWeightSource(file_ptr, map), {});
      });
}

VaeConfig sd3_vae_config_from_file(const WeightSource& file) {
  const auto file_ptr = std::shared_ptr<const WeightSource>(&file, [](const WeightSource*) {});
  return sd3_matching_config<VaeConfig>(
      {vae_config_sd3(), sd3_preset("sd3-tiny").vae}, "VAE", file, [&](const VaeConfig& c, const torch::TensorOptions& meta) {
        AutoencoderKL m(c, meta);
        return sd3_shape_mismatches(*m, MappedWeightSource(file_ptr, ldm_vae_key_map(single_file_parameter_names(*m), c)),
                                    {});
      });
}

bool sd3_same_shapes(const Sd3TransformerConfig& a, const Sd3TransformerConfig& b) {
  return a.patch_size == b.patch_size && a.in_channels == b.in_channels && a.out_channels == b.out_channels &&
         a.num_layers == b.num_layers && a.joint_attention_dim == b.joint_attention_dim &&
         a.caption_projection_dim == b.caption_projection_dim && a.pooled_projection_dim == b.pooled_projection_dim &&
         a.pos_embed_max_size == b.pos_embed_max_size && a.dual_attention_layers == b.dual_attention_layers &&
         a.qk_norm == b.qk_norm && (a.qk_norm.empty() || a.attention_head_dim == b.attention_head_dim);
}

// The preset whose transformer has these shapes ("" when none).
std::string sd3_preset_of(const Sd3TransformerConfig& c) {
  for (const char* p : {"sd3-medium", "sd35-medium", "sd35-large", "sd3-tiny"})
    if (sd3_same_shapes(sd3_preset(p).transformer, c)) return p;
  if (sd3_same_shapes(sd3_transformer_config_tiny_x(), c)) return "sd3-tiny-x";
  return "";
}

std::string sd3_join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

}  // namespace

Sd3SingleFileContents sd3_single_file_contents(const WeightSource& f) {
  Sd3SingleFileContents c;
  c.clip_l = f.contains(std::string(kSd3ClipLPrefix) + "text_model.embeddings.token_embedding.weight");
  c.clip_g = f.contains(std::string(kSd3ClipGPrefix) + "text_model.embeddings.token_embedding.weight");
  c.t5 = f.contains(std::string(kSd3T5Prefix) + "shared.weight") ||
         f.contains(std::string(kSd3T5Prefix) + "encoder.embed_tokens.weight");
  c.vae = f.contains(std::string(kLdmVaePrefix) + "decoder.conv_in.weight");
  c.clip_l_projection = f.contains(kSd3ClipLProjection);
  return c;
}

Sd3TransformerConfig sd3_single_file_transformer_config(const WeightSource& f) {
  const std::string P = kSd3MmditPrefix;
  const std::string where = f.describe();
  const auto x = sd3_required_shape(f, P + "x_embedder.proj.weight", 4);      // [D, C, p, p]
  const auto pos = sd3_required_shape(f, P + "pos_embed", 3);                 // [1, N, D]
  const auto ctx = sd3_required_shape(f, P + "context_embedder.weight", 2);   // [D, joint]
  const auto y = sd3_required_shape(f, P + "y_embedder.mlp.0.weight", 2);     // [D, pooled]
  const auto fin = sd3_required_shape(f, P + "final_layer.linear.weight", 2); // [p p out, D]
  Sd3TransformerConfig c;
  const int64_t D = x[0];
  c.patch_size = x[2];
  if (x[3] != x[2]) throw InputError(where + ": the patch embedding is not square (x_embedder.proj.weight)");
  c.in_channels = x[1];
  const int64_t side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(pos[1]))));
  if (pos[0] != 1 || side * side != pos[1] || pos[2] != D)
    throw InputError(where + ": 'model.diffusion_model.pos_embed' is not a square position table of width " +
                     std::to_string(D));
  c.pos_embed_max_size = side;
  c.joint_attention_dim = ctx[1];
  c.caption_projection_dim = ctx[0];
  c.pooled_projection_dim = y[1];
  if (fin[0] % (c.patch_size * c.patch_size) != 0)
    throw InputError(where + ": 'model.diffusion_model.final_layer.linear.weight' does not give whole patches");
  c.out_channels = fin[0] / (c.patch_size * c.patch_size);
  // Blocks are numbered from 0 without gaps; the key check later refuses any block beyond them.
  int64_t layers = 0;
  while (f.contains(P + "joint_blocks." + std::to_string(layers) + ".x_block.attn.qkv.weight")) ++layers;
  if (layers == 0) throw InputError(where + " has no 'model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight'");
  c.num_layers = layers;
  for (int64_t i = 0; i < layers; ++i)
    if (f.contains(P + "joint_blocks." + std::to_string(i) + ".x_block.attn2.qkv.weight")) c.dual_attention_layers.push_back(i);
  const std::string ln_q = P + "joint_blocks.0.x_block.attn.ln_q.weight";
  int64_t head_dim = 64;  // every published MMDiT: heads = depth, 64 wide
  if (f.contains(ln_q)) {
    c.qk_norm = "rms_norm";
    head_dim = sd3_required_shape(f, ln_q, 1)[0];
  }
  c.attention_head_dim = head_dim;
  c.num_attention_heads = D % head_dim == 0 ? D / head_dim : 0;
  c.sample_size = 128;  // 1024 px through the factor-8 VAE, as diffusers' converter assumes
  const std::string preset = sd3_preset_of(c);
  if (preset == "sd3-tiny-x") return sd3_transformer_config_tiny_x();
  if (!preset.empty()) return sd3_preset(preset).transformer;
  if (c.num_attention_heads == 0)
    throw InputError(where + ": an MMDiT " + std::to_string(D) + " wide is no published SD3 / SD3.5 shape and not a "
                     "multiple of 64-wide heads: its attention heads cannot be told from the tensors");
  c.validate(where);
  return c;
}

std::unique_ptr<Sd3Pipeline> load_sd3_single_file(const PipelineRequest& request, std::optional<PredictionType> prediction) {
  const std::string& path = request.source;
  auto st = std::make_shared<const SafetensorsFile>(path);
  auto file = std::make_shared<const SafetensorsWeightSource>(st);
  const WeightSource& f = *file;
  if (prediction && *prediction != PredictionType::FlowVelocity)
    throw UsageError("SD3 predicts a flow velocity: its prediction type cannot be overridden");
  if (!f.contains(std::string(kSd3MmditPrefix) + "joint_blocks.0.context_block.adaLN_modulation.1.bias"))
    throw InputError(path + " is not an SD3 / SD3.5 checkpoint (no model.diffusion_model.joint_blocks.0.*)");

  Sd3ModelConfig c;
  c.transformer = sd3_single_file_transformer_config(f);
  const std::string preset = sd3_preset_of(c.transformer);
  const Sd3SingleFileContents has = sd3_single_file_contents(f);

  // What the file lacks comes from an SD3 diffusers folder given as the tokenizer folder.
  const fs::path folder(request.tokenizer_dir);
  std::error_code ec;
  const bool have_folder = !request.tokenizer_dir.empty() && fs::is_directory(folder, ec);
  auto folder_has = [&](const char* sub) { return have_folder && fs::is_directory(folder / sub, ec); };
  std::vector<std::string> missing;
  auto need = [&](bool in_file, const char* sub, const std::string& what, const std::string& keys) {
    if (!in_file && !folder_has(sub)) missing.push_back(what + " (" + keys + " in the file, " + sub + "/ in a folder)");
  };
  need(has.clip_l, "text_encoder", "the CLIP-L text encoder", "text_encoders.clip_l.*");
  need(has.clip_g, "text_encoder_2", "the CLIP-G text encoder", "text_encoders.clip_g.*");
  need(has.vae, "vae", "the VAE", "first_stage_model.*");
  if (!missing.empty())
    throw InputError(path + " lacks " + sd3_join(missing) + ": give an SD3 diffusers folder that has " +
                     (missing.size() == 1 ? "it" : "them") + " with --tokenizer" +
                     (request.tokenizer_dir.empty() ? std::string() : " (" + request.tokenizer_dir + " has not)"));
  if (!have_folder)
    throw InputError(path + " is a single-file checkpoint, which carries no tokenizers: give an SD3 diffusers folder "
                     "(tokenizer/, tokenizer_2/, tokenizer_3/ for T5) or a CLIP tokenizer folder with --tokenizer");
  const bool sd3_folder = folder_has("tokenizer");
  const bool t5_from_folder = !has.t5 && folder_has("text_encoder_3");
  c.has_t5 = has.t5 || t5_from_folder;
  const bool t5_tokenizer = folder_has("tokenizer_3") || (!sd3_folder && fs::is_regular_file(folder / "tokenizer.json", ec));
  if (c.has_t5 && !t5_tokenizer)
    throw InputError((has.t5 ? path + " holds T5-XXL" : request.tokenizer_dir + " has text_encoder_3/") + " but " +
                     request.tokenizer_dir + " has no tokenizer_3/ (T5's tokenizer.json): give an SD3 diffusers folder "
                     "with --tokenizer");

  const auto t5_options = sd3_t5_tensor_options(request);
  const auto t5_dtype = c10::typeMetaToScalarType(t5_options.dtype());
  std::optional<Sd3FolderPart> l_part, g_part, t5_part, vae_part;
  if (has.clip_l) c.text_l = sd3_clip_config_from_file(f, kSd3ClipLPrefix, false, "CLIP-L text encoder");
  else {
    l_part = sd3_folder_part(folder, "text_encoder", request.dtype);
    c.text_l = parse_clip_text_config(l_part->config, l_part->config_file);
  }
  if (has.clip_g) c.text_g = sd3_clip_config_from_file(f, kSd3ClipGPrefix, true, "CLIP-G text encoder");
  else {
    g_part = sd3_folder_part(folder, "text_encoder_2", request.dtype);
    c.text_g = parse_clip_text_config(g_part->config, g_part->config_file);
  }
  if (has.t5) c.t5 = sd3_t5_config_from_file(f);
  else if (t5_from_folder) {
    t5_part = sd3_folder_part(folder, "text_encoder_3", t5_dtype);
    c.t5 = parse_t5_encoder_config(t5_part->config, t5_part->config_file);
  }
  if (has.vae) c.vae = sd3_vae_config_from_file(f);
  else {
    vae_part = sd3_folder_part(folder, "vae", torch::kFloat32);
    c.vae = parse_vae_config(vae_part->config, vae_part->config_file);
  }
  c.schedule = sd3_schedule_config();  // single files carry no scheduler config: SD3's shift 3.0
  c.architecture = preset == "sd3-tiny-x" ? "sd3-tiny" : preset.empty() ? "sd3-custom" : preset;
  if (preset == "sd3-tiny" || preset == "sd3-tiny-x") c.t5_tokens = sd3_preset("sd3-tiny").t5_tokens;
  c.validate(path);

  // Before any module is built: the file must be able to hold what the shapes imply.
  {
    int64_t in_file = sd3_transformer_parameters(c.transformer);
    if (has.clip_l) in_file += clip_text_parameters(c.text_l);
    if (has.clip_g) in_file += clip_text_parameters(c.text_g);
    if (has.t5) in_file += t5_encoder_parameters(c.t5);
    if (has.vae) in_file += vae_parameters(c.vae);
    check_weights_budget("the SD3 architecture detected in " + path, in_file, {path});
    auto files = [](const std::optional<Sd3FolderPart>& p) { return p ? p->weight_files : std::vector<std::string>{}; };
    check_sd3_weights_budget(request.tokenizer_dir, c, {{}, files(l_part), files(g_part), files(t5_part), files(vae_part)});
  }

  const auto options = torch::TensorOptions().device(request.device).dtype(request.dtype);
  Sd3Modules m = build_sd3_modules(c, options, t5_options);
  WeightLoadOptions o;
  o.reject_unexpected = false;  // each prefix is checked in the file's own key space below
  {
    const Sd3MmditKeyMap map = sd3_mmdit_key_map([&] {
      std::vector<std::string> names;
      for (const auto& kv : module_state(*m.transformer)) names.push_back(kv.first);
      return names;
    }(), c.transformer);
    check_single_file_keys(f, kSd3MmditPrefix, map.mapping, {}, "transformer");
    o.component = "transformer";
    load_weights(*m.transformer, *sd3_mmdit_weights(file, map), request.dtype, request.device, o);
  }
  // `outer`: "text_encoders.clip_l." (a logit_scale may sit there); the weights are under its "transformer.".
  auto load_clip = [&](ClipTextModel& model, const std::string& outer, const std::string& component,
                       bool identity_projection) {
    auto map = sd3_prefix_map(single_file_parameter_names(*model), outer + "transformer.");
    check_single_file_keys(f, outer, map, sd3_ignorable_text_key, component);
    std::shared_ptr<const WeightSource> view = std::make_shared<MappedWeightSource>(file, map);
    if (identity_projection) {
      // diffusers' single-file loader: CLIP-L without its projection projects with the identity.
      const int64_t n = c.text_l.hidden_size;
      std::map<std::string, torch::Tensor> eye{{"text_projection.weight", torch::eye(n, torch::kFloat32)}};
      view = std::make_shared<Sd3FallbackWeightSource>(view, std::make_shared<TensorMapWeightSource>(eye, path));
    }
    o.component = component;
    load_weights(*model, *view, request.dtype, request.device, o);
  };
  if (has.clip_l) load_clip(m.text.clip_l, "text_encoders.clip_l.", "CLIP-L text encoder", !has.clip_l_projection);
  else load_sd3_clip_weights(m.text.clip_l, *l_part->weights, request.dtype, request.device, "text encoder");
  if (has.clip_g) load_clip(m.text.clip_g, "text_encoders.clip_g.", "CLIP-G text encoder", false);
  else load_sd3_clip_weights(m.text.clip_g, *g_part->weights, request.dtype, request.device, "text encoder 2");
  if (has.t5) {
    // Keys beyond the transformer's (a logit_scale) are the only others allowed under text_encoders.t5xxl.
    for (const auto& n : f.names())
      if (starts_with(n, "text_encoders.t5xxl.") && !starts_with(n, kSd3T5Prefix) && !sd3_ignorable_text_key(n))
        throw InputError(path + " (T5 text encoder): unexpected tensor '" + n +
                         "': the file does not match the detected architecture");
    load_t5_encoder_weights(m.text.t5, std::make_shared<MappedWeightSource>(file, sd3_t5_file_map(f)), t5_dtype,
                            m.text.t5_device);
  } else if (t5_part) {
    load_t5_encoder_weights(m.text.t5, t5_part->weights, t5_dtype, m.text.t5_device);
  }
  if (has.vae) {
    const auto map = ldm_vae_key_map(single_file_parameter_names(*m.vae), c.vae);
    check_single_file_keys(f, kLdmVaePrefix, map,
                           [](const std::string& k) { return starts_with(k, std::string(kLdmVaePrefix) + "loss."); }, "VAE");
    o.component = "VAE";
    load_weights(*m.vae, MappedWeightSource(file, map), m.vae->parameters().front().scalar_type(), request.device, o);
  } else {
    load_sd3_vae_weights(m.vae, vae_part->weights, request.device);
  }

  Sd3Tokenizers tokenizers;
  if (sd3_folder) {
    tokenizers = load_sd3_folder_tokenizers(folder, folder_has("tokenizer_2") ? "" : (folder / "tokenizer").string(), false);
    if (c.has_t5) tokenizers.t5 = load_t5_tokenizer_folder((folder / "tokenizer_3").string());
  } else {
    tokenizers.clip_l = load_clip_tokenizer_folder(folder.string(), "<|endoftext|>");
    tokenizers.clip_g = load_clip_tokenizer_folder(folder.string(), "!");
    if (c.has_t5) tokenizers.t5 = load_t5_tokenizer_folder(folder.string());
  }

  SdPipelineInfo info;
  info.source = path;
  info.name = fs::path(path).stem().string() + " (Stable Diffusion 3 / 3.5)";
  info.hash_file = path;
  std::vector<std::string> borrowed;
  if (!has.clip_l) borrowed.push_back("CLIP-L");
  if (!has.clip_g) borrowed.push_back("CLIP-G");
  if (t5_from_folder) borrowed.push_back("T5");
  if (!has.vae) borrowed.push_back("VAE");
  if (!borrowed.empty()) info.notes.push_back(sd3_join(borrowed) + " from " + request.tokenizer_dir);
  if (!c.has_t5) info.notes.push_back("no T5 in the file or folder: T5 tokens are zeros");
  core_log()->info("loaded SD3 single file {} ({})", path, c.architecture);
  return std::make_unique<Sd3Pipeline>(std::move(c), std::move(m), std::move(tokenizers), std::move(info),
                                       request.device, request.dtype);
}

std::map<std::string, torch::Tensor> sd3_single_file_state(const Sd3ModelConfig& c, const Sd3Modules& m,
                                                           bool text_encoders) {
  std::map<std::string, torch::Tensor> out;
  {
    const auto state = module_state(*m.transformer);
    std::vector<std::string> names;
    for (const auto& kv : state) names.push_back(kv.first);
    for (auto& [k, v] : to_sd3_mmdit_names(state, sd3_mmdit_key_map(names, c.transformer))) out[k] = v;
  }
  for (auto& [k, v] : to_ldm_names(module_state(*m.vae), ldm_vae_key_map(single_file_parameter_names(*m.vae), c.vae)))
    out[k] = v;
  if (text_encoders) {
    for (auto& [k, v] : module_state(*m.text.clip_l)) out[kSd3ClipLPrefix + k] = v;
    for (auto& [k, v] : module_state(*m.text.clip_g)) out[kSd3ClipGPrefix + k] = v;
    if (m.text.t5)
      for (auto& [k, v] : module_state(*m.text.t5)) out[kSd3T5Prefix + k] = v;
  }
  return out;
}

}  // namespace drf
