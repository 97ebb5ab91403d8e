// The engine facade on the analytic model: events in order, latency accounting in the
// result, cancellation, and bad settings reported as usage errors naming the setting.
#include <gtest/gtest.h>

#include "core/engine/engine.h"
#include "core/util/errors.h"

using namespace drf;

namespace {
GenerationSettings analytic(Mode mode, int width) {
  GenerationSettings s;
  s.model = "analytic";
  s.prompt = "a gold picture";
  s.seed = 123;
  s.steps = 20;
  s.guidance = 3;
  s.mode = mode;
  s.width = width;
  return s;
}
}  // namespace

TEST(EngineFacade, EventsAndStatsForAnAggressiveRun) {
  Engine engine;
  std::vector<JobEvent> events;
  auto result = engine.generate(analytic(Mode::Aggressive, 4), [&](const JobEvent& e) { events.push_back(e); });
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.front().kind, JobEventKind::Started);
  EXPECT_EQ(events[1].kind, JobEventKind::TextEncoded);
  EXPECT_EQ(events.back().kind, JobEventKind::Finished);
  int rounds = 0;
  for (const auto& e : events) {
    if (e.kind != JobEventKind::RoundDone) continue;
    ++rounds;
    EXPECT_EQ(e.preview.width, 64);
    EXPECT_EQ(e.preview.pixels.size(), 64u * 64u * 3u);
    EXPECT_LE(e.drafts.size(), 4u);
  }
  EXPECT_EQ(rounds, 5);
  EXPECT_EQ(result.stats.serial_latencies, 6);  // 1 + ceil(20 / 4)
  EXPECT_EQ(result.stats.sequential_latencies, 20);
  EXPECT_NEAR(result.stats.theoretical_speedup, 20.0 / 6.0, 1e-12);
  EXPECT_EQ(result.image.width, 128);
  EXPECT_EQ(result.image_float.size(), 128u * 128u * 3u);
}

TEST(EngineFacade, SameSeedSameImage) {
  Engine engine;
  auto a = engine.generate(analytic(Mode::Conservative, 3), nullptr);
  auto b = engine.generate(analytic(Mode::Conservative, 3), nullptr);
  EXPECT_EQ(a.image.pixels, b.image.pixels);
  auto s = analytic(Mode::Conservative, 3);
  s.seed = 124;
  EXPECT_NE(engine.generate(s, nullptr).image.pixels, a.image.pixels);
}

TEST(EngineFacade, GoldPromptGivesAGoldImage) {
  Engine engine;
  auto r = engine.generate(analytic(Mode::Sequential, 1), nullptr);
  double red = 0, blue = 0;
  for (std::size_t i = 0; i < r.image.pixels.size(); i += 3) {
    red += r.image.pixels[i];
    blue += r.image.pixels[i + 2];
  }
  EXPECT_GT(red, 2 * blue);
}

TEST(EngineFacade, CancelEmitsCancelledAndThrows) {
  Engine engine;
  std::atomic<bool> cancel{false};
  std::vector<JobEventKind> kinds;
  auto observer = [&](const JobEvent& e) {
    kinds.push_back(e.kind);
    if (e.kind == JobEventKind::RoundDone && e.round == 3) cancel = true;
  };
  EXPECT_THROW(engine.generate(analytic(Mode::Sequential, 1), observer, &cancel), Cancelled);
  EXPECT_EQ(kinds.back(), JobEventKind::Cancelled);
  // The engine is usable afterwards.
  EXPECT_NO_THROW(engine.generate(analytic(Mode::Aggressive, 2), nullptr));
}

TEST(EngineFacade, BadSettingsAreUsageErrorsThatNameTheSetting) {
  Engine engine;
  auto expect_usage = [&](GenerationSettings s, const std::string& word) {
    std::string failed_message;
    try {
      engine.generate(s, [&](const JobEvent& e) {
        if (e.kind == JobEventKind::Failed) failed_message = e.message;
      });
      ADD_FAILURE() << "no error for " << word;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
      EXPECT_EQ(failed_message, e.what());
    }
  };
  auto s = analytic(Mode::Aggressive, 30);
  expect_usage(s, "width");
  s = analytic(Mode::Sequential, 1);
  s.steps = 0;
  expect_usage(s, "steps");
  s = analytic(Mode::Sequential, 1);
  s.guidance = -1;
  expect_usage(s, "guidance");
  s = analytic(Mode::Sequential, 1);
  s.image_width = 100;
  expect_usage(s, "size");
  s = analytic(Mode::Sequential, 1);
  s.image_width = 256;
  expect_usage(s, "128x128");
  s = analytic(Mode::Aggressive, 2);
  s.draft_memory_mb = -1;
  expect_usage(s, "draft memory");
}

TEST(EngineFacade, UnknownModelIsAnInputError) {
  Engine engine;
  auto s = analytic(Mode::Sequential, 1);
  s.model = "no-such-model";
  EXPECT_THROW(engine.generate(s, nullptr), InputError);
}

TEST(EngineFacade, DevicesAlwaysListTheCpu) {
  auto d = Engine::devices();
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d.back().index, -1);
}
