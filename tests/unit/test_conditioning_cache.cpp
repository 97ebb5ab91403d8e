// The text conditioning kept with a loaded model (core/engine/conditioning_cache.h): a repeated
// prompt is not encoded again, its warnings come back with it, every input of encode() is part of
// the key, the least recently used entry goes first, stored tensors cannot be changed through a
// returned one, and a failed encode stores nothing. Through a generation job: a repeat reuses the
// entry and gives the same image as a freshly loaded model, SDXL's size conditioning included.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/engine/conditioning_cache.h"
#include "core/engine/generation_job.h"

using namespace drf;

namespace {

Conditioning conditioning_of(float value, bool guided) {
  Conditioning c;
  c.cond = ConditioningTensors(torch::full({1, 3, 4}, value));
  c.cond.pooled = torch::full({1, 2}, value + 1);
  if (guided) c.uncond = ConditioningTensors(torch::full({1, 3, 4}, -value));
  c.guidance = guided ? 7.0 : 1.0;
  return c;
}

GenerationSettings settings(const std::string& model, const std::string& prompt) {
  GenerationSettings s;
  s.model = model;
  s.prompt = prompt;
  s.seed = 5;
  s.steps = 3;
  s.guidance = 4;
  return s;
}

}  // namespace

TEST(ConditioningCache, ARepeatIsNotEncodedAndGetsItsWarningsBack) {
  ConditioningCache cache;
  int encodes = 0;
  const auto encode = [&](std::vector<std::string>& w) {
    ++encodes;
    w.push_back("prompt truncated");
    return conditioning_of(2.0f, true);
  };
  std::vector<std::string> first, second;
  const Conditioning a = cache.get("k", first, encode);
  const Conditioning b = cache.get("k", second, encode);
  EXPECT_EQ(encodes, 1);
  EXPECT_EQ(second, std::vector<std::string>{"prompt truncated"});
  EXPECT_EQ(first, second);
  EXPECT_TRUE(torch::equal(a.cond.context, b.cond.context));
  EXPECT_TRUE(torch::equal(a.cond.pooled, b.cond.pooled));
  EXPECT_TRUE(torch::equal(a.uncond.context, b.uncond.context));
  EXPECT_EQ(b.guidance, 7.0);
  EXPECT_FALSE(b.cond.time_ids.defined());
}

TEST(ConditioningCache, StoredTensorsCannotBeChangedThroughAReturnedOne) {
  ConditioningCache cache;
  const auto encode = [](std::vector<std::string>&) { return conditioning_of(1.0f, false); };
  std::vector<std::string> w;
  Conditioning a = cache.get("k", w, encode);
  a.cond.context.add_(100);  // what a careless job might do to its own copy
  Conditioning b = cache.get("k", w, encode);
  b.cond.pooled.mul_(0);
  const Conditioning c = cache.get("k", w, encode);
  EXPECT_TRUE(torch::equal(c.cond.context, torch::full({1, 3, 4}, 1.0f)));
  EXPECT_TRUE(torch::equal(c.cond.pooled, torch::full({1, 2}, 2.0f)));
  EXPECT_FALSE(c.uncond.defined());
}

TEST(ConditioningCache, EveryInputOfEncodeIsPartOfTheKey) {
  const GenerationSettings base = settings("analytic", "red");
  std::vector<GenerationSettings> variants(7, base);
  variants[1].prompt = "red ";
  variants[2].negative_prompt = "blue";
  variants[3].guidance = 4.000000000000001;
  variants[4].clip_skip = 1;
  variants[5].use_t5 = false;
  variants[6].t5_device = "cpu";
  for (std::size_t i = 1; i < variants.size(); ++i)
    EXPECT_NE(text_key(variants[i]), text_key(base)) << "variant " << i;
  // What encode() does not read is not part of it.
  GenerationSettings other = base;
  other.seed = 99;
  other.steps = 50;
  other.image_width = 512;
  EXPECT_EQ(text_key(other), text_key(base));
  // A prompt holding the separators cannot imitate another pair of prompts.
  GenerationSettings a = base, b = base;
  a.prompt = "x|1:y";
  a.negative_prompt = "";
  b.prompt = "x";
  b.negative_prompt = "y";
  EXPECT_NE(text_key(a), text_key(b));
}

TEST(ConditioningCache, TheLeastRecentlyUsedEntryGoesFirst) {
  ConditioningCache cache(2);
  int encodes = 0;
  std::vector<std::string> w;
  const auto get = [&](const std::string& key) {
    cache.get(key, w, [&](std::vector<std::string>&) {
      ++encodes;
      return conditioning_of(0.5f, false);
    });
  };
  get("a");
  get("b");
  get("a");  // a is now the most recent
  get("c");  // evicts b
  EXPECT_EQ(encodes, 3);
  EXPECT_EQ(cache.size(), 2u);
  get("a");
  EXPECT_EQ(encodes, 3);
  get("b");
  EXPECT_EQ(encodes, 4);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ConditioningCache, AFailedEncodeStoresNothing) {
  ConditioningCache cache;
  std::vector<std::string> w;
  EXPECT_THROW(cache.get("k", w, [](std::vector<std::string>&) -> Conditioning { throw std::runtime_error("cancelled"); }),
               std::runtime_error);
  EXPECT_EQ(cache.size(), 0u);
  int encodes = 0;
  cache.get("k", w, [&](std::vector<std::string>&) {
    ++encodes;
    return conditioning_of(3.0f, false);
  });
  EXPECT_EQ(encodes, 1);
}

// Jobs over one loaded model: the second job with the same prompt takes the stored entry and
// draws the same image a freshly loaded model draws. For SDXL the entry holds the native size's
// time ids and the job sets its own size's: a repeat at another size must still match.
TEST(ConditioningCache, JobsReuseTheEntryAndDrawWhatAFreshModelDraws) {
  for (const std::string model_name : {"analytic", "random:sdxl-tiny"}) {
    SCOPED_TRACE(model_name);
    const auto load = [&] {
      PipelineRequest request;
      request.source = model_name;
      return std::make_shared<LoadedModel>(std::shared_ptr<Pipeline>(load_pipeline(request)));
    };
    const auto shared = load();
    const ModelProvider keep = [&](const PipelineRequest&) { return shared; };
    const auto run = [](const GenerationSettings& s, const ModelProvider& provider) {
      return GenerationJob(s, nullptr, nullptr, provider).run();
    };
    GenerationSettings first = settings(model_name, "a red fox");
    GenerationSettings second = first;
    second.seed = 6;
    if (model_name == "random:sdxl-tiny") second.image_width = second.image_height = 48;
    run(first, keep);
    EXPECT_EQ(shared->text_conditioning().size(), 1u);
    const GenerationResult reused = run(second, keep);
    EXPECT_EQ(shared->text_conditioning().size(), 1u) << "the repeat was encoded again";
    const auto fresh_model = load();
    const GenerationResult fresh = run(second, [&](const PipelineRequest&) { return fresh_model; });
    EXPECT_EQ(reused.image.pixels, fresh.image.pixels);
    EXPECT_EQ(reused.image.width, fresh.image.width);
    GenerationSettings other_prompt = first;
    other_prompt.prompt = "a blue whale";
    run(other_prompt, keep);
    EXPECT_EQ(shared->text_conditioning().size(), 2u);
  }
}
