// Single-file (LDM layout) checkpoints: the key map against keys of real SD 1.5 / 2.1 files,
// loading a synthetic tiny LDM checkpoint (with OpenCLIP's fused in_proj), and detection of
// the family and prediction type.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <functional>
#include <set>

#include "core/engine/pipeline.h"
#include "core/io/safetensors_writer.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/sd/sd_single_file.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "model_test_util.h"

namespace drf {
namespace {

using test::max_abs_diff;
const torch::TensorOptions kEmpty = torch::TensorOptions().dtype(torch::kFloat32);

std::vector<std::string> names_of(const torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& p : m.named_parameters(true)) out.push_back(p.key());
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Keys as they appear in the published v1-5-pruned-emaonly / v2-1_768-ema-pruned checkpoints
// (and in diffusers' conversion code), with the diffusers parameter each one holds.
TEST(LdmKeyMap, MatchesTheKeysOfPublishedCheckpoints) {
  const SdModelConfig sd15 = sd_preset("sd15");
  const auto unet = ldm_unet_key_map(names_of(*UNet2DConditionModel(sd15.unet, kEmpty)), sd15.unet);
  const std::map<std::string, std::string> unet_expect = {
      {"conv_in.weight", "model.diffusion_model.input_blocks.0.0.weight"},
      {"time_embedding.linear_2.bias", "model.diffusion_model.time_embed.2.bias"},
      {"down_blocks.0.resnets.0.norm1.weight", "model.diffusion_model.input_blocks.1.0.in_layers.0.weight"},
      {"down_blocks.0.resnets.1.time_emb_proj.weight", "model.diffusion_model.input_blocks.2.0.emb_layers.1.weight"},
      {"down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
       "model.diffusion_model.input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight"},
      {"down_blocks.0.downsamplers.0.conv.weight", "model.diffusion_model.input_blocks.3.0.op.weight"},
      {"down_blocks.1.resnets.0.conv_shortcut.weight", "model.diffusion_model.input_blocks.4.0.skip_connection.weight"},
      {"down_blocks.3.resnets.1.conv2.bias", "model.diffusion_model.input_blocks.11.0.out_layers.3.bias"},
      {"mid_block.resnets.0.norm2.weight", "model.diffusion_model.middle_block.0.out_layers.0.weight"},
      {"mid_block.attentions.0.proj_in.weight", "model.diffusion_model.middle_block.1.proj_in.weight"},
      {"mid_block.resnets.1.conv1.weight", "model.diffusion_model.middle_block.2.in_layers.2.weight"},
      {"up_blocks.0.resnets.0.conv1.weight", "model.diffusion_model.output_blocks.0.0.in_layers.2.weight"},
      {"up_blocks.0.upsamplers.0.conv.weight", "model.diffusion_model.output_blocks.2.1.conv.weight"},
      {"up_blocks.1.attentions.2.transformer_blocks.0.ff.net.2.weight",
       "model.diffusion_model.output_blocks.5.1.transformer_blocks.0.ff.net.2.weight"},
      {"up_blocks.1.upsamplers.0.conv.bias", "model.diffusion_model.output_blocks.5.2.conv.bias"},
      {"up_blocks.3.resnets.2.conv_shortcut.weight", "model.diffusion_model.output_blocks.11.0.skip_connection.weight"},
      {"up_blocks.3.attentions.2.proj_out.bias", "model.diffusion_model.output_blocks.11.1.proj_out.bias"},
      {"conv_norm_out.weight", "model.diffusion_model.out.0.weight"},
      {"conv_out.bias", "model.diffusion_model.out.2.bias"}};
  for (const auto& [name, key] : unet_expect) EXPECT_EQ(unet.at(name).source_key, key) << name;
  std::set<std::string> keys;
  for (const auto& kv : unet) keys.insert(kv.second.source_key);
  EXPECT_EQ(keys.size(), unet.size()) << "two parameters read the same key";

  const auto vae = ldm_vae_key_map(names_of(*AutoencoderKL(sd15.vae, kEmpty)), sd15.vae);
  const std::map<std::string, std::string> vae_expect = {
      {"encoder.conv_in.weight", "first_stage_model.encoder.conv_in.weight"},
      {"encoder.down_blocks.1.resnets.0.conv_shortcut.weight", "first_stage_model.encoder.down.1.block.0.nin_shortcut.weight"},
      {"encoder.down_blocks.2.downsamplers.0.conv.bias", "first_stage_model.encoder.down.2.downsample.conv.bias"},
      {"encoder.mid_block.resnets.1.norm1.weight", "first_stage_model.encoder.mid.block_2.norm1.weight"},
      {"encoder.mid_block.attentions.0.group_norm.bias", "first_stage_model.encoder.mid.attn_1.norm.bias"},
      {"encoder.conv_norm_out.weight", "first_stage_model.encoder.norm_out.weight"},
      {"decoder.mid_block.attentions.0.to_out.0.weight", "first_stage_model.decoder.mid.attn_1.proj_out.weight"},
      {"decoder.up_blocks.0.resnets.2.conv2.weight", "first_stage_model.decoder.up.3.block.2.conv2.weight"},
      {"decoder.up_blocks.2.upsamplers.0.conv.weight", "first_stage_model.decoder.up.1.upsample.conv.weight"},
      {"decoder.up_blocks.3.resnets.0.conv_shortcut.bias", "first_stage_model.decoder.up.0.block.0.nin_shortcut.bias"},
      {"post_quant_conv.weight", "first_stage_model.post_quant_conv.weight"}};
  for (const auto& [name, key] : vae_expect) EXPECT_EQ(vae.at(name).source_key, key) << name;
  EXPECT_TRUE(vae.at("decoder.mid_block.attentions.0.to_q.weight").drop_trailing_ones);

  const SdModelConfig sd21 = sd_preset("sd21");
  const auto clip = ldm_open_clip_key_map(names_of(*ClipTextModel(sd21.text, kEmpty)), 1024);
  EXPECT_EQ(clip.at("text_model.embeddings.position_embedding.weight").source_key, "cond_stage_model.model.positional_embedding");
  EXPECT_EQ(clip.at("text_model.final_layer_norm.bias").source_key, "cond_stage_model.model.ln_final.bias");
  EXPECT_EQ(clip.at("text_model.encoder.layers.22.mlp.fc1.weight").source_key,
            "cond_stage_model.model.transformer.resblocks.22.mlp.c_fc.weight");
  const KeyMapping& v = clip.at("text_model.encoder.layers.3.self_attn.v_proj.bias");
  EXPECT_EQ(v.source_key, "cond_stage_model.model.transformer.resblocks.3.attn.in_proj_bias");
  EXPECT_EQ(v.chunk, 2);
  EXPECT_EQ(v.chunks, 3);
}

// Writes `modules` as an LDM-layout single file of the given family.
std::map<std::string, torch::Tensor> ldm_state(const SdModelConfig& c, const SdModules& m, const std::string& family) {
  auto state = to_ldm_names(module_state(*m.unet), ldm_unet_key_map(names_of(*m.unet), c.unet));
  for (auto& kv : to_ldm_names(module_state(*m.vae), ldm_vae_key_map(names_of(*m.vae), c.vae))) state.insert(kv);
  if (family == "sd1") {
    for (auto& kv : to_ldm_names(module_state(*m.text_encoder),
                                 ldm_clip_key_map(names_of(*m.text_encoder), kLdmClipPrefix, false)))
      state.insert(kv);
    state["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch::arange(77).unsqueeze(0);
  } else {
    // OpenCLIP layout written out by hand (not through the map under test): fused in_proj.
    const std::string p = "cond_stage_model.model.";
    auto t = module_state(*m.text_encoder);
    state[p + "token_embedding.weight"] = t.at("text_model.embeddings.token_embedding.weight");
    state[p + "positional_embedding"] = t.at("text_model.embeddings.position_embedding.weight");
    state[p + "ln_final.weight"] = t.at("text_model.final_layer_norm.weight");
    state[p + "ln_final.bias"] = t.at("text_model.final_layer_norm.bias");
    for (int64_t i = 0; i < c.text.num_hidden_layers; ++i) {
      const std::string d = "text_model.encoder.layers." + std::to_string(i) + ".";
      const std::string o = p + "transformer.resblocks." + std::to_string(i) + ".";
      for (const char* f : {"weight", "bias"}) {
        state[o + "attn.in_proj_" + f] = torch::cat({t.at(d + "self_attn.q_proj." + f), t.at(d + "self_attn.k_proj." + f),
                                                     t.at(d + "self_attn.v_proj." + f)});
        state[o + "attn.out_proj." + f] = t.at(d + "self_attn.out_proj." + f);
        state[o + "ln_1." + f] = t.at(d + "layer_norm1." + f);
        state[o + "ln_2." + f] = t.at(d + "layer_norm2." + f);
        state[o + "mlp.c_fc." + f] = t.at(d + "mlp.fc1." + f);
        state[o + "mlp.c_proj." + f] = t.at(d + "mlp.fc2." + f);
      }
    }
    // The layer diffusers drops, the projection and logit scale: present in real files, unused.
    const std::string extra = p + "transformer.resblocks." + std::to_string(c.text.num_hidden_layers) + ".";
    state[extra + "ln_1.weight"] = torch::ones({c.text.hidden_size});
    state[p + "text_projection"] = torch::zeros({c.text.hidden_size, c.text.hidden_size});
    state[p + "logit_scale"] = torch::tensor(4.6);
  }
  state["alphas_cumprod"] = torch::ones({1000});  // LDM schedule buffers are ignored
  state["model_ema.decay"] = torch::tensor(0.9999);
  return state;
}

void expect_same_networks(SdModules& a, SdModules& b) {
  torch::NoGradGuard ng;
  auto x = torch::randn({1, 4, 8, 8});
  auto ctx = torch::randn({1, 77, 16});
  auto t = torch::tensor({420.0});
  EXPECT_EQ(max_abs_diff(a.unet->forward(x, t, ctx), b.unet->forward(x, t, ctx)), 0.0);
  auto ids = torch::randint(0, 1000, {2, 77}, torch::kLong);
  EXPECT_EQ(max_abs_diff(a.text_encoder->forward(ids), b.text_encoder->forward(ids)), 0.0);
  auto z = torch::randn({1, 4, 4, 4});
  EXPECT_EQ(max_abs_diff(a.vae->decode(z), b.vae->decode(z)), 0.0);
}

TEST(SingleFile, LoadsSd1LayoutTinyCheckpoint) {
  const SdModelConfig c = sd_preset("tiny");
  SdModules original = test::tiny_random_modules(c);
  auto file = std::make_shared<TensorMapWeightSource>(ldm_state(c, original, "sd1"), "tiny-sd1.safetensors");
  SingleFileDetection d;
  d.family = "sd1";
  SdModules loaded = load_single_file_modules(c, d, file, kEmpty);
  expect_same_networks(original, loaded);
}

TEST(SingleFile, LoadsSd2LayoutWithFusedInProjSplitIntoQkv) {
  SdModelConfig c = sd_preset("tiny");
  c.text.hidden_act = "gelu";
  SdModules original = test::tiny_random_modules(c);
  auto file = std::make_shared<TensorMapWeightSource>(ldm_state(c, original, "sd2"), "tiny-sd2.safetensors");
  SingleFileDetection d;
  d.family = "sd2";
  SdModules loaded = load_single_file_modules(c, d, file, kEmpty);
  auto q = loaded.text_encoder->named_parameters()["text_model.encoder.layers.1.self_attn.k_proj.weight"];
  EXPECT_TRUE(torch::equal(q, original.text_encoder->named_parameters()["text_model.encoder.layers.1.self_attn.k_proj.weight"]));
  expect_same_networks(original, loaded);
}

TEST(SingleFile, ReportsMissingAndUnexpectedKeysInTheFilesOwnNames) {
  const SdModelConfig c = sd_preset("tiny");
  SdModules original = test::tiny_random_modules(c);
  SingleFileDetection d;
  d.family = "sd1";
  auto state = ldm_state(c, original, "sd1");
  state.erase("model.diffusion_model.output_blocks.1.0.skip_connection.weight");
  std::string msg = error_of([&] {
    load_single_file_modules(c, d, std::make_shared<TensorMapWeightSource>(state, "f.safetensors"), kEmpty);
  });
  EXPECT_NE(msg.find("'model.diffusion_model.output_blocks.1.0.skip_connection.weight' (for up_blocks.0.resnets.1."
                     "conv_shortcut.weight) is missing"),
            std::string::npos)
      << msg;

  state = ldm_state(c, original, "sd1");
  state["first_stage_model.decoder.up.0.block.9.conv1.weight"] = torch::zeros({1});
  msg = error_of([&] {
    load_single_file_modules(c, d, std::make_shared<TensorMapWeightSource>(state, "f.safetensors"), kEmpty);
  });
  EXPECT_NE(msg.find("unexpected tensor 'first_stage_model.decoder.up.0.block.9.conv1.weight'"), std::string::npos) << msg;
}

// Just enough tensors for detection (the real shapes of the probed keys).
std::map<std::string, torch::Tensor> detection_probe(int64_t context, int64_t in_channels, double norm_std) {
  const std::string u = "model.diffusion_model.";
  std::map<std::string, torch::Tensor> s;
  s[u + "input_blocks.0.0.weight"] = torch::zeros({320, in_channels, 3, 3});
  s[u + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"] = torch::zeros({320, context});
  s[u + "output_blocks.11.1.transformer_blocks.0.norm1.bias"] =
      torch::randn({320}, at::make_generator<at::CPUGeneratorImpl>(3)) * norm_std;
  s["first_stage_model.decoder.conv_in.weight"] = torch::zeros({512, 4, 3, 3});
  if (context == 768) s["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"] = torch::zeros({1});
  else s["cond_stage_model.model.token_embedding.weight"] = torch::zeros({1});
  return s;
}

TEST(SingleFile, DetectsFamilyAndPredictionType) {
  auto detect = [](std::map<std::string, torch::Tensor> s, std::map<std::string, std::string> meta = {}) {
    return detect_single_file(TensorMapWeightSource(std::move(s), "m.safetensors"), meta);
  };
  auto sd1 = detect(detection_probe(768, 4, 0.5));
  EXPECT_EQ(sd1.family, "sd1");
  EXPECT_EQ(sd1.prediction, PredictionType::Epsilon);
  EXPECT_EQ(single_file_config(sd1).native_image_size(), 512);

  auto v = detect(detection_probe(1024, 4, 0.2));
  EXPECT_EQ(v.family, "sd2");
  EXPECT_EQ(v.prediction, PredictionType::VPrediction);
  EXPECT_EQ(single_file_config(v).native_image_size(), 768);
  EXPECT_TRUE(single_file_config(v).unet.upcast_attention);

  auto base = detect(detection_probe(1024, 4, 0.02));
  EXPECT_EQ(base.prediction, PredictionType::Epsilon);
  EXPECT_EQ(single_file_config(base).native_image_size(), 512);

  auto declared = detect(detection_probe(1024, 4, 0.02), {{"modelspec.prediction_type", "v"}});
  EXPECT_EQ(declared.prediction, PredictionType::VPrediction);
  auto marked = detection_probe(1024, 4, 0.02);
  marked["v_pred"] = torch::zeros({0});
  EXPECT_EQ(detect(marked).prediction, PredictionType::VPrediction);

  std::string msg = error_of([&] { detect(detection_probe(768, 9, 0.1)); });
  EXPECT_NE(msg.find("9 input channels"), std::string::npos) << msg;
  auto xl = detection_probe(768, 4, 0.1);
  xl["conditioner.embedders.0.transformer.text_model.final_layer_norm.weight"] = torch::zeros({1});
  msg = error_of([&] { detect(xl); });
  EXPECT_NE(msg.find("SDXL"), std::string::npos) << msg;
  msg = error_of([&] { detect({{"lora_unet_down_blocks_0.alpha", torch::zeros({1})}}); });
  EXPECT_NE(msg.find("LoRA"), std::string::npos) << msg;
}

TEST(SingleFile, LoadPipelineNeedsATokenizerFolderAndRefusesPickles) {
  test::TempDir dir("single");
  write_safetensors(dir.file("m.safetensors"), detection_probe(768, 4, 0.1));
  PipelineRequest r;
  r.source = dir.file("m.safetensors");
  std::string msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("carries no tokenizer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("m.safetensors"), std::string::npos) << msg;

  r.source = dir.file("model.ckpt");
  msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("pickle"), std::string::npos) << msg;
  r.source = "no/such/model.safetensors";
  msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("no/such/model.safetensors"), std::string::npos) << msg;
  r.source = "random:sd99";
  EXPECT_THROW(load_pipeline(r), InputError);
  r.source = "nonsense";
  msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("'nonsense'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace drf
