// The shipped built-in emoji model must turn a prompt into the prompted emoji. For each prompt
// of data/prompts.tsv the engine generates on the CPU (the path of `driffusion generate --model
// builtin`), the image is area-downsampled to the thumbnail size, and the nearest of the
// reference thumbnails (data/reference_thumbnails.safetensors, made by
// tools/emoji/prepare_emoji_data.py refs: the prompted images, the same emoji in the other vendor
// style and other skin tones, and random other emoji) must be the prompted one. A broken loader,
// tokenizer, sampler or decoder gives noise or the wrong emoji and fails.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "core/engine/consistency_defaults.h"
#include "core/engine/engine.h"
#include "core/engine/pipeline.h"
#include "core/io/safetensors_reader.h"
#include "core/sampling/draft_plan.h"
#include "tests/support/lcm_declared_copy.h"

namespace {

const std::string kData = DRIFFUSION_BUILTIN_TEST_DATA;

// The settings docs/builtin-model.md reports for the shipped model.
constexpr int kSteps = 25;
constexpr double kGuidance = 3.0;

struct PromptCase {
  int reference = 0;  // index of the prompted image among the thumbnails
  std::string prompt;
};

std::vector<PromptCase> read_prompts() {
  std::ifstream in(kData + "/prompts.tsv");
  std::vector<PromptCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string index, prompt;
    std::getline(ss, index, '\t');
    std::getline(ss, prompt, '\t');
    if (!prompt.empty()) cases.push_back({std::stoi(index), prompt});
  }
  return cases;
}

// [K, t, t, 3] uint8 -> [K, t*t*3] float in [0, 1].
torch::Tensor reference_thumbnails(int64_t* size) {
  drf::SafetensorsFile file(kData + "/reference_thumbnails.safetensors");
  auto t = file.tensor("thumbnails", torch::kUInt8);
  *size = t.size(1);
  return t.to(torch::kFloat32).div(255.0).reshape({t.size(0), -1});
}

// Area downsampling of an RGB image to size x size (the thumbnails were made the same way).
torch::Tensor thumbnail(const drf::RgbImage& image, int64_t size) {
  auto t = torch::from_blob(const_cast<std::uint8_t*>(image.pixels.data()), {image.height, image.width, 3},
                            torch::kUInt8)
               .to(torch::kFloat32)
               .div(255.0)
               .permute({2, 0, 1})
               .unsqueeze(0);
  t = torch::adaptive_avg_pool2d(t, {size, size});
  return t.squeeze(0).permute({1, 2, 0}).reshape({-1});
}

int64_t nearest(const torch::Tensor& refs, const torch::Tensor& query) {
  return (refs - query.unsqueeze(0)).pow(2).sum(1).argmin().item<int64_t>();
}

drf::GenerationResult generate(drf::Engine& engine, const std::string& prompt, drf::Mode mode, int width) {
  drf::GenerationSettings s;
  s.model = "builtin";
  s.prompt = prompt;
  s.seed = 0;
  s.steps = kSteps;
  s.guidance = kGuidance;
  s.mode = mode;
  s.width = width;
  return engine.generate(s, drf::JobObserver{});
}

TEST(BuiltinModel, LoadsAsAPixelSpaceModel) {
  drf::Engine engine;
  const drf::ModelSummary s = engine.describe_model("builtin");
  EXPECT_EQ(s.architecture, "emoji-pixel");
  EXPECT_TRUE(s.pixel_space);
  EXPECT_EQ(s.native_width, 64);
  EXPECT_EQ(s.native_height, 64);
  long long total = 0;
  for (const auto& c : s.parameter_counts) total += c.second;
  EXPECT_GT(total, 1000000);
  EXPECT_LT(total, 20000000);  // the shipped fp16 files must stay under 40 MB
}

TEST(BuiltinModel, GeneratesThePromptedEmoji) {
  const auto cases = read_prompts();
  ASSERT_GE(cases.size(), 3u) << "tests/builtin/data/prompts.tsv";
  int64_t size = 0;
  const auto refs = reference_thumbnails(&size);
  ASSERT_GE(refs.size(0), 64);
  drf::Engine engine;
  for (const auto& c : cases) {
    const auto r = generate(engine, c.prompt, drf::Mode::Sequential, 1);
    ASSERT_EQ(r.image.width, 64);
    ASSERT_EQ(r.image.height, 64);
    EXPECT_EQ(nearest(refs, thumbnail(r.image, size)), c.reference) << "prompt: " << c.prompt;
  }
}

TEST(BuiltinModel, DriffusionAggressiveWidthFourKeepsThePromptedEmoji) {
  const auto cases = read_prompts();
  ASSERT_FALSE(cases.empty());
  int64_t size = 0;
  const auto refs = reference_thumbnails(&size);
  drf::Engine engine;
  const auto r = generate(engine, cases.front().prompt, drf::Mode::Aggressive, 4);
  EXPECT_EQ(r.stats.serial_latencies, drf::aggressive_latencies_formula(kSteps, 4));
  EXPECT_EQ(nearest(refs, thumbnail(r.image, size)), cases.front().reference) << "prompt: " << cases.front().prompt;
}

// A folder in the built-in layout loads by path, and one whose scheduler config names
// LCMScheduler is consistency-distilled: the LCM settings run without a warning, another sampler
// warns. Its weights are the shipped model's, so by path and by name draw the same pixels.
TEST(BuiltinModelFolder, LoadsByPathAndSaysWhenItIsLcmDistilled) {
  const drf::test::LcmDeclaredCopy copy;
  const std::string folder = copy.path();
  EXPECT_TRUE(drf::source_is_consistency_distilled(folder));
  EXPECT_FALSE(drf::source_is_consistency_distilled("builtin"));
  EXPECT_FALSE(drf::source_is_consistency_distilled("analytic"));
  drf::Engine engine;
  const drf::ModelSummary lcm = engine.describe_model(folder);
  EXPECT_TRUE(lcm.consistency_distilled);
  EXPECT_EQ(lcm.source, folder);
  EXPECT_EQ(lcm.architecture, "emoji-pixel");
  EXPECT_FALSE(engine.describe_model("builtin").consistency_distilled);

  drf::GenerationSettings s;
  s.prompt = read_prompts().front().prompt;
  s.seed = 0;
  drf::apply_consistency_settings(s);
  s.model = folder;
  const auto by_path = engine.generate(s, drf::JobObserver{});
  EXPECT_EQ(by_path.stats.serial_latencies, drf::kConsistencySteps);
  EXPECT_TRUE(by_path.warnings.empty()) << by_path.warnings.front();
  s.model = "builtin";
  const auto by_name = engine.generate(s, drf::JobObserver{});
  EXPECT_EQ(by_path.image.pixels, by_name.image.pixels);

  drf::GenerationSettings ddim;
  ddim.model = folder;
  ddim.prompt = s.prompt;
  ddim.steps = 2;
  const auto r = engine.generate(ddim, drf::JobObserver{});
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings.front().find("LCM-distilled"), std::string::npos) << r.warnings.front();
}

}  // namespace
