// The family registry's LibTorch side (core/models/family_builders.h): load_pipeline
// dispatches every kind of source through it, every registered family has a builder, and the
// VAE override (--vae) loads a diffusers VAE folder, a diffusers-named file and an LDM-named
// file to the same decoder, for every family with a VAE, and is refused by the others.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/engine/pipeline.h"
#include "core/io/safetensors_writer.h"
#include "core/models/family_builders.h"
#include "core/models/model_families.h"
#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/random_weights.h"
#include "core/models/sdxl/sdxl_pipeline.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/models/latent/vae_override.h"
#include "core/models/loaders/weight_loader.h"
#include "core/util/errors.h"
#include "model_test_util.h"

namespace drf {
namespace {
namespace fs = std::filesystem;

PipelineRequest request(const std::string& source) {
  PipelineRequest r;
  r.source = source;
  return r;
}

TEST(FamilyBuilders, EveryFamilyHasABuilderForWhatItLists) {
  for (const auto& f : model_families()) {
    const FamilyBuilder* b = family_builder(f.id);
    ASSERT_NE(b, nullptr) << f.id;
    if (!f.random_models.empty()) EXPECT_TRUE(b->make_random) << f.id;
    if (!f.pipeline_classes.empty()) EXPECT_TRUE(b->load_diffusers_folder) << f.id;
    if (!f.single_file_keys.empty()) EXPECT_TRUE(b->load_single_file) << f.id;
  }
  int fallbacks = 0;
  const FamilyBuilder* first_fallback = nullptr;
  for (const auto& [id, b] : family_builders())
    if (b.fallback) {
      ++fallbacks;
      EXPECT_TRUE(b.load_diffusers_folder && b.load_single_file) << id;
      if (!first_fallback) first_fallback = &b;
    }
  EXPECT_GE(fallbacks, 1);
}

TEST(FamilyBuilders, NamesAndTinyRandomModelsLoadThroughTheRegistry) {
  for (const std::string source : {"builtin", "analytic", "random:tiny", "random:sdxl-tiny", "random:sdxl-refiner-tiny"}) {
    auto p = load_pipeline(request(source));
    const ModelFamily* f = family_of_architecture(p->summary().architecture);
    ASSERT_NE(f, nullptr) << source << " -> " << p->summary().architecture;
    if (source.rfind("random:", 0) == 0) {
      bool listed = false;
      for (const auto& m : f->random_models) listed |= m.source == source;
      EXPECT_TRUE(listed) << source << " loaded as family " << f->id;
    }
  }
  try {
    load_pipeline(request("random:nope"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("random:sdxl-refiner-tiny"), std::string::npos) << e.what();
  }
  try {
    load_pipeline(request("no-such-model"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("builtin, analytic"), std::string::npos) << e.what();
  }
}

TEST(FamilyBuilders, FolderClassesGoToTheFamilyThatListsThem) {
  test::TempDir dir("family-dispatch");
  // A class SDXL's detection claims but its loader does not support: refused by the SDXL loader.
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusionXLInpaintPipeline"})");
  try {
    load_pipeline(request(dir.path()));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("SDXL base and refiner"), std::string::npos) << e.what();
  }
  // A class no family lists: the fallback (SD 1.x/2.x) loader refuses the folder, naming it.
  test::write_text(dir.file("model_index.json"), R"({"_class_name": "KandinskyPipeline"})");
  try {
    load_pipeline(request(dir.path()));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Stable Diffusion diffusers folder"), std::string::npos) << e.what();
  }
}

// The decoder of `p` on fixed latents.
torch::Tensor decode_fixed(Pipeline& p) {
  torch::manual_seed(3);
  return p.decode(torch::randn(p.state_shape(0, 0)));
}

TEST(VaeOverride, FolderDiffusersFileAndLdmFileGiveTheSameDecoder) {
  auto base = load_pipeline(request("random:sdxl-tiny"));
  auto& sdxl = dynamic_cast<SdxlPipeline&>(*base);
  const VaeConfig config = sdxl.config().vae;
  // Another VAE of the same architecture (different random weights).
  AutoencoderKL other(config, torch::TensorOptions());
  init_random_weights(*other, 0xfee1);
  const auto state = module_state(*other);
  test::TempDir dir("vae-override");
  fs::create_directories(dir.file("vae"));
  VaeConfig folder_config = config;
  folder_config.force_upcast = false;  // as the fp16-fixed VAE's config.json says
  test::write_text(dir.file("vae/config.json"), vae_config_to_json(folder_config).dump(2));
  write_safetensors(dir.file("vae/diffusion_pytorch_model.safetensors"), state);
  write_safetensors(dir.file("diffusers_names.safetensors"), state);
  const auto ldm_map = ldm_vae_key_map(single_file_parameter_names(*other), config);
  auto ldm = to_ldm_names(state, ldm_map);
  ldm["first_stage_model.loss.logvar"] = torch::zeros({1});  // training leftovers are ignored
  write_safetensors(dir.file("checkpoint_vae.safetensors"), ldm);
  std::map<std::string, torch::Tensor> bare;
  for (const auto& [k, v] : ldm)
    if (k.rfind("first_stage_model.", 0) == 0 && k.find(".loss.") == std::string::npos)
      bare[k.substr(std::string("first_stage_model.").size())] = v;
  write_safetensors(dir.file("ldm_names.safetensors"), bare);

  const torch::Tensor own = decode_fixed(*base);
  torch::Tensor expected;
  {
    torch::NoGradGuard ng;
    torch::manual_seed(3);
    const auto z = torch::randn(base->state_shape(0, 0));
    expected = (other->decode_scaled(z) * 0.5 + 0.5).clamp(0, 1)[0];
  }
  EXPECT_GT(test::max_abs_diff(own, expected), 1e-3);  // the override changes the image
  for (const std::string path : {dir.path(), dir.file("vae"), dir.file("diffusers_names.safetensors"),
                                 dir.file("checkpoint_vae.safetensors"), dir.file("ldm_names.safetensors")}) {
    PipelineRequest r = request("random:sdxl-tiny");
    r.vae = path;
    auto p = load_pipeline(r);
    // Same weights, same float32 arithmetic: the same image bit for bit.
    EXPECT_TRUE(torch::equal(decode_fixed(*p), expected)) << path;
    EXPECT_NE(p->summary().name.find("VAE "), std::string::npos) << p->summary().name;
  }
  // The SD 1.x family takes the same override (same latent space, 4 channels).
  PipelineRequest sd = request("random:tiny");
  sd.vae = dir.file("ldm_names.safetensors");
  EXPECT_NO_THROW(load_pipeline(sd));
}

TEST(VaeOverride, RefusesWhatIsNotAVaeOfTheModel) {
  test::TempDir dir("vae-refuse");
  PipelineRequest r = request("random:sdxl-tiny");
  r.vae = dir.file("missing.safetensors");
  EXPECT_THROW(load_pipeline(r), InputError);
  write_safetensors(dir.file("not_a_vae.safetensors"), {{"weight", torch::zeros({2, 2})}});
  r.vae = dir.file("not_a_vae.safetensors");
  EXPECT_THROW(load_pipeline(r), InputError);
  // Another latent space (8 channels).
  VaeConfig wide = vae_config_tiny();
  wide.latent_channels = 8;
  fs::create_directories(dir.file("wide"));
  test::write_text(dir.file("wide/config.json"), vae_config_to_json(wide).dump(2));
  AutoencoderKL w(wide, torch::TensorOptions());
  write_safetensors(dir.file("wide/diffusion_pytorch_model.safetensors"), module_state(*w));
  r.vae = dir.file("wide");
  try {
    load_pipeline(r);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("latent channels"), std::string::npos) << e.what();
  }
  // Models without a VAE refuse by name.
  for (const char* source : {"builtin", "analytic"}) {
    PipelineRequest b = request(source);
    b.vae = dir.file("not_a_vae.safetensors");
    EXPECT_THROW(load_pipeline(b), UsageError) << source;
  }
}

}  // namespace
}  // namespace drf
