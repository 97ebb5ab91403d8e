// LoRA files merged at load (core/models/loaders/lora_merge.h) on the tiny SD, SDXL, SD3 and
// built-in models: the merge is W + strength * (alpha / rank) * up @ down; kohya names (diffusers
// and original LDM paths), PEFT names and diffusers' attention-processor names reach the same
// weight; strength 0 changes nothing; whatever cannot be merged is refused by name before a
// weight changes; the engine keys its loaded model by the LoRA list and stores it with the image.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/io/safetensors_writer.h"
#include "core/models/builtin/builtin_model.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/models/sd/stable_diffusion_pipeline.h"
#include "core/models/sd3/sd3_pipeline.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/util/errors.h"
#include "model_test_util.h"
#include "tests/model/family_engine_checks.h"

namespace drf {
namespace {

using Tensors = std::map<std::string, torch::Tensor>;

std::unique_ptr<Pipeline> load(const std::string& source, const std::vector<LoraChoice>& loras = {}) {
  PipelineRequest r;
  r.source = source;
  r.loras = loras;
  return load_pipeline(r);
}

StableDiffusionPipeline& sd(Pipeline& p) { return dynamic_cast<StableDiffusionPipeline&>(p); }

torch::Tensor param(torch::nn::Module& m, const std::string& name) {
  const auto params = m.named_parameters(true);
  const auto* t = params.find(name);
  if (!t) throw std::runtime_error("no parameter " + name);
  return t->detach().clone();
}

// The first parameter whose name ends with `suffix` (the tiny configs' layer paths are not spelled
// out here: the test stays true if a preset gains a block).
std::string first_named(torch::nn::Module& m, const std::string& suffix) {
  for (const auto& p : m.named_parameters(true))
    if (p.key().size() >= suffix.size() && p.key().compare(p.key().size() - suffix.size(), suffix.size(), suffix) == 0)
      return p.key();
  throw std::runtime_error("no parameter ending " + suffix);
}

std::string layer_of(const std::string& weight_name) { return weight_name.substr(0, weight_name.size() - 7); }

std::string underscored(std::string s) {
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

// kohya's name of the layer a weight belongs to: "lora_unet_" + its path with '_' for '.'.
std::string kohya_name(const std::string& prefix, const std::string& weight_name) {
  return prefix + underscored(layer_of(weight_name));
}

// Low-rank factors for `weight` (rank r): down [r, in(, k, k)], up [out, r(, 1, 1)].
std::pair<torch::Tensor, torch::Tensor> factors(const torch::Tensor& weight, int64_t rank, int seed) {
  torch::manual_seed(seed);
  std::vector<int64_t> down{rank}, up{weight.size(0), rank};
  for (int64_t d = 1; d < weight.dim(); ++d) down.push_back(weight.size(d));
  for (int64_t d = 2; d < weight.dim(); ++d) up.push_back(1);
  return {torch::randn(down) * 0.1, torch::randn(up) * 0.1};
}

torch::Tensor expected_merge(const torch::Tensor& w, const torch::Tensor& down, const torch::Tensor& up, double scale) {
  const int64_t r = down.size(0);
  return w + (up.reshape({up.size(0), r}).mm(down.reshape({r, -1})) * scale).view(w.sizes());
}

struct SdLayers {
  std::string to_q, conv, text_q;  // parameter names (with .weight)
};

SdLayers tiny_sd_layers(StableDiffusionPipeline& p) {
  return {first_named(*p.modules().unet, "attn1.to_q.weight"), first_named(*p.modules().unet, "resnets.0.conv1.weight"),
          first_named(*p.modules().text_encoder, "self_attn.q_proj.weight")};
}

TEST(Lora, KohyaFactorsMergeAsUpTimesDownScaledByAlphaOverRank) {
  test::TempDir dir("lora_kohya");
  auto base = load("random:tiny");
  const SdLayers n = tiny_sd_layers(sd(*base));
  const auto w_q = param(*sd(*base).modules().unet, n.to_q), w_conv = param(*sd(*base).modules().unet, n.conv);
  const auto w_text = param(*sd(*base).modules().text_encoder, n.text_q);
  const auto [dq, uq] = factors(w_q, 2, 1);
  const auto [dc, uc] = factors(w_conv, 3, 2);  // a 3x3 convolution (LoCon)
  const auto [dt, ut] = factors(w_text, 4, 3);
  const std::string q = kohya_name("lora_unet_", n.to_q), c = kohya_name("lora_unet_", n.conv);
  const std::string t = kohya_name("lora_te_", n.text_q);
  write_safetensors(dir.file("style.safetensors"), {{q + ".lora_down.weight", dq},
                                                    {q + ".lora_up.weight", uq},
                                                    {q + ".alpha", torch::tensor(1.0f)},
                                                    {c + ".lora_down.weight", dc},
                                                    {c + ".lora_up.weight", uc},
                                                    {c + ".alpha", torch::tensor(6.0f)},
                                                    {t + ".lora_down.weight", dt},
                                                    {t + ".lora_up.weight", ut}});  // no alpha: scale 1

  auto p = load("random:tiny", {{dir.file("style.safetensors"), 0.7}});
  auto& m = sd(*p).modules();
  // Same arithmetic as the merge (fp32 products of rank <= 4, one rounding of the sum): only
  // the order of a few fp32 additions may differ.
  EXPECT_TRUE(torch::allclose(param(*m.unet, n.to_q), expected_merge(w_q, dq, uq, 0.7 * 1.0 / 2), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(param(*m.unet, n.conv), expected_merge(w_conv, dc, uc, 0.7 * 6.0 / 3), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(param(*m.text_encoder, n.text_q), expected_merge(w_text, dt, ut, 0.7), 1e-6, 1e-6));
  EXPECT_FALSE(torch::equal(param(*m.unet, n.to_q), w_q));
  // Layers the file does not name keep their weights bit for bit.
  const std::string to_k = n.to_q.substr(0, n.to_q.size() - 11) + "to_k.weight";
  EXPECT_TRUE(torch::equal(param(*m.unet, to_k), param(*sd(*base).modules().unet, to_k)));
  EXPECT_NE(p->summary().name.find("LoRA style.safetensors x0.7"), std::string::npos) << p->summary().name;
}

TEST(Lora, LdmKohyaPeftAndAttentionProcessorNamesReachTheSameWeight) {
  test::TempDir dir("lora_names");
  auto base = load("random:tiny");
  auto& unet = sd(*base).modules().unet;
  const SdLayers n = tiny_sd_layers(sd(*base));
  const auto [down, up] = factors(param(*unet, n.to_q), 2, 5);
  // The original LDM path of the same layer, as the single-file key map reads it.
  const auto map = ldm_unet_key_map(single_file_parameter_names(*unet), sd(*base).config().unet);
  const std::string ldm_key = map.at(n.to_q).source_key;  // model.diffusion_model.input_blocks.1.1....to_q.weight
  const std::string ldm =
      "lora_unet_" + underscored(ldm_key.substr(std::string(kLdmUnetPrefix).size(),
                                                ldm_key.size() - 7 - std::string(kLdmUnetPrefix).size()));
  const std::string path = layer_of(n.to_q);
  const std::string proc = path.substr(0, path.size() - 5) + ".processor.to_q_lora";  // "...attn1.processor.to_q_lora"
  const std::map<std::string, Tensors> files = {
      {"kohya_diffusers",
       {{"lora_unet_" + underscored(path) + ".lora_down.weight", down},
        {"lora_unet_" + underscored(path) + ".lora_up.weight", up},
        {"lora_unet_" + underscored(path) + ".alpha", torch::tensor(2.0f)}}},
      {"kohya_ldm",
       {{ldm + ".lora_down.weight", down}, {ldm + ".lora_up.weight", up}, {ldm + ".alpha", torch::tensor(2.0f)}}},
      {"peft", {{"unet." + path + ".lora_A.weight", down}, {"unet." + path + ".lora_B.weight", up}}},
      {"attn_procs", {{proc + ".down.weight", down}, {proc + ".up.weight", up}}},
  };
  ASSERT_NE(ldm,
            "lora_unet_" + underscored(path));  // the two spellings differ (input_blocks_1_1_... / down_blocks_0_...)
  torch::Tensor first;
  for (const auto& [name, tensors] : files) {
    write_safetensors(dir.file(name + ".safetensors"), tensors);
    auto p = load("random:tiny", {{dir.file(name + ".safetensors"), 1.0}});
    const auto w = param(*sd(*p).modules().unet, n.to_q);
    if (!first.defined()) first = w;
    EXPECT_TRUE(torch::equal(w, first)) << name;
  }
  EXPECT_FALSE(torch::equal(first, param(*unet, n.to_q)));
}

TEST(Lora, StrengthZeroLeavesEveryWeightBitForBit) {
  test::TempDir dir("lora_zero");
  auto base = load("random:tiny");
  const SdLayers n = tiny_sd_layers(sd(*base));
  const auto [down, up] = factors(param(*sd(*base).modules().unet, n.to_q), 2, 9);
  const std::string q = kohya_name("lora_unet_", n.to_q);
  write_safetensors(dir.file("l.safetensors"), {{q + ".lora_down.weight", down}, {q + ".lora_up.weight", up}});
  auto p = load("random:tiny", {{dir.file("l.safetensors"), 0.0}});
  for (const auto& kv : sd(*base).modules().unet->named_parameters(true))
    EXPECT_TRUE(torch::equal(kv.value(), param(*sd(*p).modules().unet, kv.key()))) << kv.key();
}

// Each bad file gives an InputError whose message names what is wrong.
TEST(Lora, RefusesWhatItCannotMergeByName) {
  test::TempDir dir("lora_bad");
  auto base = load("random:tiny");
  const SdLayers n = tiny_sd_layers(sd(*base));
  const auto [down, up] = factors(param(*sd(*base).modules().unet, n.to_q), 2, 4);
  const std::string q = kohya_name("lora_unet_", n.to_q);
  const std::vector<std::pair<Tensors, std::string>> cases = {
      {{{"lora_unet_no_such_layer.lora_down.weight", down}, {"lora_unet_no_such_layer.lora_up.weight", up}},
       "names no layer of this model's unet"},
      {{{"lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", down},
        {"lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", up}},
       "which this model does not have"},
      {{{q + ".lora_down.weight", down}, {q + ".lora_up.weight", torch::randn({up.size(0) + 1, 2})}},
       "do not make the weight's shape"},
      {{{q + ".lora_down.weight", down}, {q + ".lora_up.weight", torch::randn({up.size(0), 3})}},
       "do not make the weight's shape"},
      {{{q + ".hada_w1_a", down}, {q + ".hada_w1_b", up}}, "LoHa"},
      {{{q + ".lora_down.weight", down}}, "but no up factor"},
      {{{q + ".lora_down.weight", down}, {q + ".lora_up.weight", up * std::numeric_limits<float>::quiet_NaN()}},
       "non-finite"},
      {{{q + ".lora_down.weight", down * 1e25f}, {q + ".lora_up.weight", up * 1e25f}}, "non-finite"},  // overflows fp32
      {{{"model.diffusion_model.input_blocks.0.0.weight", down}}, "is not a LoRA factor"},
      {{{q + ".lora_down.weight", down},
        {q + ".lora_up.weight", up},
        {"unet." + layer_of(n.to_q) + ".lora_A.weight", down},
        {"unet." + layer_of(n.to_q) + ".lora_B.weight", up}},
       "two layers of the file change"},
  };
  int i = 0;
  for (const auto& [tensors, message] : cases) {
    const std::string file = dir.file("bad" + std::to_string(i++) + ".safetensors");
    write_safetensors(file, tensors);
    try {
      load("random:tiny", {{file, 1.0}});
      ADD_FAILURE() << "accepted a file that should say: " << message;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(load("random:tiny", {{dir.file("missing.safetensors"), 1.0}}), InputError);
  // The analytic model has no weights.
  write_safetensors(dir.file("ok.safetensors"), {{q + ".lora_down.weight", down}, {q + ".lora_up.weight", up}});
  EXPECT_THROW(load("analytic", {{dir.file("ok.safetensors"), 1.0}}), UsageError);
}

// SDXL's two text encoders are text_encoder / text_encoder_2 (kohya lora_te1_ / lora_te2_); SD3's
// MMDiT is transformer (PEFT names), and the built-in model's networks have SD's names.
TEST(Lora, SdxlSd3AndBuiltinNetworksTakeTheirFilesNames) {
  test::TempDir dir("lora_families");
  {
    auto base = load("random:sdxl-tiny");
    auto& m = dynamic_cast<SdxlPipeline&>(*base).modules();
    const std::string g = first_named(*m.text_g, "self_attn.k_proj.weight");
    const std::string l = first_named(*m.text_l, "self_attn.v_proj.weight");
    const auto [dg, ug] = factors(param(*m.text_g, g), 2, 11);
    const auto [dl, ul] = factors(param(*m.text_l, l), 2, 12);
    const std::string kg = kohya_name("lora_te2_", g), kl = kohya_name("lora_te1_", l);
    write_safetensors(dir.file("xl.safetensors"), {{kg + ".lora_down.weight", dg},
                                                   {kg + ".lora_up.weight", ug},
                                                   {kl + ".lora_down.weight", dl},
                                                   {kl + ".lora_up.weight", ul}});
    auto p = load("random:sdxl-tiny", {{dir.file("xl.safetensors"), 1.0}});
    auto& pm = dynamic_cast<SdxlPipeline&>(*p).modules();
    EXPECT_TRUE(torch::allclose(param(*pm.text_g, g), expected_merge(param(*m.text_g, g), dg, ug, 1.0), 1e-6, 1e-6));
    EXPECT_TRUE(torch::allclose(param(*pm.text_l, l), expected_merge(param(*m.text_l, l), dl, ul, 1.0), 1e-6, 1e-6));
  }
  {
    auto base = load("random:sd3-tiny");
    auto& m = dynamic_cast<Sd3Pipeline&>(*base).modules();
    const std::string a = first_named(*m.transformer, "attn.add_q_proj.weight");
    const auto [d, u] = factors(param(*m.transformer, a), 2, 13);
    write_safetensors(dir.file("sd3.safetensors"), {{"transformer." + layer_of(a) + ".lora_A.weight", d},
                                                    {"transformer." + layer_of(a) + ".lora_B.weight", u}});
    auto p = load("random:sd3-tiny", {{dir.file("sd3.safetensors"), -0.5}});
    EXPECT_TRUE(torch::allclose(param(*dynamic_cast<Sd3Pipeline&>(*p).modules().transformer, a),
                                expected_merge(param(*m.transformer, a), d, u, -0.5), 1e-6, 1e-6));
  }
  {
    // The built-in model's networks under SD's names: a kohya file for one of its UNet layers
    // (names from an unloaded copy of its architecture) changes its images.
    auto arch = build_builtin_modules(builtin_model_architecture(512), torch::TensorOptions());
    const std::string q = first_named(*arch.unet, "attn2.to_q.weight");
    const auto [d, u] = factors(param(*arch.unet, q), 2, 14);
    const std::string k = kohya_name("lora_unet_", q);
    write_safetensors(dir.file("emoji.safetensors"),
                      {{k + ".lora_down.weight", d * 30}, {k + ".lora_up.weight", u * 30}});
    Engine engine;
    GenerationSettings s = test::tiny_job("builtin", Mode::Sequential, 1);
    s.steps = 3;
    const auto plain = engine.generate(s, nullptr);
    s.loras = {{dir.file("emoji.safetensors"), 1.0}};
    const auto with = engine.generate(s, nullptr);
    EXPECT_NE(with.image_float, plain.image_float);
    EXPECT_NE(with.model_name.find("with LoRA emoji.safetensors"), std::string::npos) << with.model_name;
  }
}

// Real SDXL kohya files name the UNet by its original (SGM) paths and store proj_in's factors as
// 1x1 convolutions while SDXL's proj_in is linear; diffusers' PEFT files keep alpha in the
// metadata; diffusers' older text-encoder names say to_q_lora for q_proj.
TEST(Lora, SdxlLdmNamesFourDFactorsMetadataAlphaAndOldTextNames) {
  test::TempDir dir("lora_sdxl");
  auto base = load("random:sdxl-tiny");
  auto& xl = dynamic_cast<SdxlPipeline&>(*base);
  auto& unet = xl.modules().unet;
  const std::string proj = first_named(*unet, "attentions.0.proj_in.weight");
  const auto w_proj = param(*unet, proj);
  ASSERT_EQ(w_proj.dim(), 2);  // linear in SDXL
  const auto map = ldm_unet_key_map(single_file_parameter_names(*unet), xl.config().unet);
  const std::string ldm_key = map.at(proj).source_key, prefix = kLdmUnetPrefix;
  const std::string k = "lora_unet_" + underscored(ldm_key.substr(prefix.size(), ldm_key.size() - 7 - prefix.size()));
  auto [d2, u2] = factors(w_proj, 3, 31);
  const auto d4 = d2.reshape({3, -1, 1, 1}), u4 = u2.reshape({-1, 3, 1, 1});
  // alpha 0 as an integer tensor: kohya's scripts read it as alpha = rank (scale 1).
  write_safetensors(
      dir.file("kohya.safetensors"),
      {{k + ".lora_down.weight", d4}, {k + ".lora_up.weight", u4}, {k + ".alpha", torch::tensor(int64_t{0})}});
  {
    auto p = load("random:sdxl-tiny", {{dir.file("kohya.safetensors"), 1.0}});
    EXPECT_TRUE(torch::allclose(param(*dynamic_cast<SdxlPipeline&>(*p).modules().unet, proj),
                                expected_merge(w_proj, d2, u2, 1.0), 1e-6, 1e-6));
  }

  const std::string to_k = first_named(*unet, "attn2.to_k.weight");
  const auto w_k = param(*unet, to_k);
  const auto [dk, uk] = factors(w_k, 4, 32);
  const Tensors peft{{"unet." + layer_of(to_k) + ".lora_A.weight", dk},
                     {"unet." + layer_of(to_k) + ".lora_B.weight", uk}};
  write_safetensors(dir.file("peft.safetensors"), peft,
                    {{"lora_adapter_metadata", R"({"unet.lora_alpha": 8, "unet.r": 4})"}});
  write_safetensors(dir.file("rslora.safetensors"), peft,
                    {{"lora_adapter_metadata", R"({"lora_alpha": 8, "r": 4, "use_rslora": true})"}});
  write_safetensors(dir.file("pattern.safetensors"), peft,
                    {{"lora_adapter_metadata", R"({"lora_alpha": 8, "alpha_pattern": {"to_k": 2}})"}});
  for (const auto& [file, scale] : {std::pair<std::string, double>{"peft", 8.0 / 4}, {"rslora", 8.0 / 2}}) {
    auto p = load("random:sdxl-tiny", {{dir.file(file + ".safetensors"), 1.0}});
    EXPECT_TRUE(torch::allclose(param(*dynamic_cast<SdxlPipeline&>(*p).modules().unet, to_k),
                                expected_merge(w_k, dk, uk, scale), 1e-6, 1e-6))
        << file;
  }
  EXPECT_THROW(load("random:sdxl-tiny", {{dir.file("pattern.safetensors"), 1.0}}), InputError);

  const std::string q = first_named(*xl.modules().text_l, "self_attn.q_proj.weight");
  const auto w_q = param(*xl.modules().text_l, q);
  const auto [dq, uq] = factors(w_q, 2, 33);
  const std::string old = "text_encoder." + layer_of(q).substr(0, layer_of(q).size() - 7) + ".to_q_lora";
  write_safetensors(dir.file("old.safetensors"), {{old + ".down.weight", dq}, {old + ".up.weight", uq}});
  auto p = load("random:sdxl-tiny", {{dir.file("old.safetensors"), 1.0}});
  EXPECT_TRUE(torch::allclose(param(*dynamic_cast<SdxlPipeline&>(*p).modules().text_l, q),
                              expected_merge(w_q, dq, uq, 1.0), 1e-6, 1e-6));
}

TEST(Lora, TheEngineAppliesStoresAndReloadsForTheLoraList) {
  test::TempDir dir("lora_engine");
  auto base = load("random:tiny");
  const SdLayers n = tiny_sd_layers(sd(*base));
  const auto [down, up] = factors(param(*sd(*base).modules().unet, n.to_q), 4, 21);
  const std::string q = kohya_name("lora_unet_", n.to_q);
  write_safetensors(dir.file("l.safetensors"),
                    {{q + ".lora_down.weight", down * 20}, {q + ".lora_up.weight", up * 20}});

  Engine engine;
  GenerationSettings s = test::tiny_job("random:tiny", Mode::Sequential, 1);
  const auto plain = engine.generate(s, nullptr);
  s.loras = {{dir.file("l.safetensors"), 1.0}};
  const auto with = engine.generate(s, nullptr);
  EXPECT_NE(with.image_float, plain.image_float);
  EXPECT_EQ(with.settings.loras, s.loras);  // stored with the image
  EXPECT_NE(with.model_name.find("LoRA l.safetensors"), std::string::npos) << with.model_name;
  // Back to no LoRA: the engine loads the model afresh instead of keeping the merged weights.
  s.loras.clear();
  EXPECT_EQ(engine.generate(s, nullptr).image_float, plain.image_float);
  // Strength 0 is the model itself, bit for bit.
  s.loras = {{dir.file("l.safetensors"), 0.0}};
  EXPECT_EQ(engine.generate(s, nullptr).image_float, plain.image_float);
  // DRiffusion at width 1 on the merged model is the sequential sampler on it, bit for bit.
  s.loras = {{dir.file("l.safetensors"), 1.0}};
  GenerationSettings w1 = s;
  w1.mode = Mode::Aggressive;
  EXPECT_EQ(engine.generate(w1, nullptr).image_float, with.image_float);
}

}  // namespace
}  // namespace drf
