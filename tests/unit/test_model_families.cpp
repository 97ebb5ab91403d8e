// The model-family registry: detection by architecture, diffusers pipeline class and a single
// file's keys; the random:* list the loader, CLI and GUI share; every loadable tiny model's
// architecture belongs to exactly one family.
#include <gtest/gtest.h>

#include <set>

#include "core/engine/pipeline.h"
#include "core/models/model_families.h"
#include "core/util/errors.h"

using namespace drf;

TEST(ModelFamilies, ArchitecturesAndRandomModelsBelongToOneFamilyEach) {
  std::set<std::string> architectures, randoms, ids;
  for (const auto& f : model_families()) {
    EXPECT_TRUE(ids.insert(f.id).second) << f.id;
    EXPECT_GT(f.native_size, 0) << f.id;
    for (const auto& a : f.architectures) EXPECT_TRUE(architectures.insert(a).second) << a;
    for (const auto& r : f.random_models) EXPECT_TRUE(randoms.insert(r.source).second) << r.source;
  }
  EXPECT_EQ(family_of_architecture("sd15")->id, "sd1");
  EXPECT_EQ(family_of_architecture("sd21")->id, "sd2");
  EXPECT_EQ(family_of_architecture("sdxl")->id, "sdxl");
  EXPECT_EQ(family_of_architecture("sdxl-refiner")->id, "sdxl-refiner");
  EXPECT_EQ(family_of_architecture("flux"), nullptr);
  EXPECT_TRUE(is_random_model("random:sdxl"));
  EXPECT_TRUE(is_random_model("random:sdxl-refiner"));
  EXPECT_FALSE(is_random_model("random:sdxl-turbo"));
  EXPECT_DOUBLE_EQ(family_of_architecture("sdxl")->vae_scaling_factor, 0.13025);
  EXPECT_TRUE(family_of_architecture("sdxl")->vae_force_upcast);
  EXPECT_FALSE(family_of_architecture("sdxl")->size_presets.empty());
  for (const auto& s : family_of_architecture("sdxl")->size_presets) {
    EXPECT_EQ(s.width % 64, 0);
    EXPECT_EQ(s.height % 64, 0);
    EXPECT_NEAR(s.width * s.height, 1024 * 1024, 0.1 * 1024 * 1024) << s.width << "x" << s.height;
  }
}

TEST(ModelFamilies, DetectsPipelineClassesAndCheckpointKeys) {
  EXPECT_EQ(family_of_pipeline_class("StableDiffusionXLPipeline")->id, "sdxl");
  EXPECT_EQ(family_of_pipeline_class("StableDiffusionXLImg2ImgPipeline")->id, "sdxl-refiner");
  EXPECT_EQ(family_of_pipeline_class("StableDiffusion3Pipeline")->id, "sd3");
  EXPECT_EQ(family_of_pipeline_class("FluxPipeline"), nullptr);  // no such family (yet): refused, not guessed
  auto keys = [](std::set<std::string> present) {
    return [present](const std::string& k) { return present.count(k) > 0; };
  };
  EXPECT_EQ(family_of_checkpoint(keys({"conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
                                       "conditioner.embedders.1.model.token_embedding.weight"}))
                ->id,
            "sdxl");
  EXPECT_EQ(family_of_checkpoint(keys({"conditioner.embedders.0.model.token_embedding.weight"}))->id, "sdxl-refiner");
  EXPECT_EQ(family_of_checkpoint(keys({"cond_stage_model.model.token_embedding.weight"}))->id, "sd2");
  EXPECT_EQ(family_of_checkpoint(keys({"cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"}))->id,
            "sd1");
  EXPECT_EQ(family_of_checkpoint(keys({"model.diffusion_model.input_blocks.0.0.weight"})), nullptr);
}

TEST(ModelFamilies, LoadedTinyModelsReportARegisteredArchitecture) {
  for (const char* source : {"analytic", "random:tiny", "random:sdxl-tiny"}) {
    PipelineRequest req;
    req.source = source;
    const auto summary = load_pipeline(req)->summary();
    const ModelFamily* f = family_of_architecture(summary.architecture);
    ASSERT_NE(f, nullptr) << source << ": " << summary.architecture;
  }
  PipelineRequest bad;
  bad.source = "random:nope";
  try {
    load_pipeline(bad);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("random:sdxl"), std::string::npos) << e.what();
  }
}
