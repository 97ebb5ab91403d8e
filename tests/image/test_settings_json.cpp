// The complete settings JSON: lossless round trips (64-bit seeds, any prompt text) and strict
// rejection of malformed, unknown, mistyped, out-of-range and newer-version input.
#include <gtest/gtest.h>

#include "core/image/settings_json.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

GenerationSettings full_settings() {
  GenerationSettings s;
  s.model = "/models/sd15.safetensors";
  s.tokenizer_dir = "/models/tokenizer";
  s.prompt = "a \"quoted\" prompt,\nsecond line: é 日本 😀\ttab";
  s.negative_prompt = "neg\\slash";
  s.seed = 18446744073709551615ull;
  s.steps = 37;
  s.guidance = 7.25;
  s.sampler = SamplerKind::Euler;
  s.eta = 0.0;
  s.karras_sigmas = true;
  s.mode = Mode::Conservative;
  s.width = 3;
  s.devices = {0, 2};
  s.image_width = 512;
  s.image_height = 768;
  s.clip_skip = 2;
  s.dtype = "bf16";
  s.draft_memory_mb = 1024;
  s.warmup_steps = 2;
  return s;
}

void expect_same(const GenerationSettings& a, const GenerationSettings& b) {
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.tokenizer_dir, b.tokenizer_dir);
  EXPECT_EQ(a.prompt, b.prompt);
  EXPECT_EQ(a.negative_prompt, b.negative_prompt);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.guidance, b.guidance);
  EXPECT_EQ(a.sampler, b.sampler);
  EXPECT_EQ(a.eta, b.eta);
  EXPECT_EQ(a.karras_sigmas, b.karras_sigmas);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.devices, b.devices);
  EXPECT_EQ(a.image_width, b.image_width);
  EXPECT_EQ(a.image_height, b.image_height);
  EXPECT_EQ(a.clip_skip, b.clip_skip);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.draft_memory_mb, b.draft_memory_mb);
  EXPECT_EQ(a.warmup_steps, b.warmup_steps);
}

// A valid document with one settings field replaced by raw JSON text.
std::string with_field(const std::string& key, const std::string& raw_value) {
  std::string base =
      R"({"format":"driffusion-settings","version":1,"settings":{"model":"analytic","prompt":"p","seed":"1",)"
      R"("steps":10,"guidance":3,"sampler":"ddim","mode":"sequential","width":1}})";
  const std::string needle = "\"" + key + "\":";
  const auto at = base.find(needle);
  if (at == std::string::npos) return base.substr(0, base.size() - 2) + ",\"" + key + "\":" + raw_value + "}}";
  const auto end = base.find_first_of(",}", at + needle.size());
  return base.replace(at + needle.size(), end - at - needle.size(), raw_value);
}

std::string error_of(const std::string& json) {
  try {
    settings_from_json(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SettingsJson, SettingsRoundTripExactly) {
  const GenerationSettings s = full_settings();
  const std::string json = settings_to_json(s);
  EXPECT_EQ(json.find('\n'), std::string::npos);  // one line: fits a PPM comment
  EXPECT_NE(json.find("\"seed\":\"18446744073709551615\""), std::string::npos);
  expect_same(settings_from_json(json), s);
}

TEST(SettingsJson, RunRecordRoundTrip) {
  RunRecord r;
  r.settings = full_settings();
  r.model_name = "sd15";
  r.model_hash = "6ce0161689";
  r.image_width = 512;
  r.image_height = 768;
  r.stats.steps = 37;
  r.stats.width = 3;
  r.stats.mode = "conservative";
  r.stats.rounds = 13;
  r.stats.serial_latencies = 25;
  r.stats.sequential_latencies = 37;
  r.stats.theoretical_speedup = 1.48;
  r.stats.sampling_ms = 1234.5;
  r.stats.devices = {"cuda:0", "cuda:2"};
  r.measured_speedup = 1.37;
  r.app_version = "DRiffusion Studio 0.1.0";
  const RunRecord back = run_record_from_json(run_record_to_json(r));
  expect_same(back.settings, r.settings);
  EXPECT_EQ(back.model_name, r.model_name);
  EXPECT_EQ(back.model_hash, r.model_hash);
  EXPECT_EQ(back.image_width, 512);
  EXPECT_EQ(back.image_height, 768);
  EXPECT_EQ(back.stats.rounds, 13);
  EXPECT_EQ(back.stats.serial_latencies, 25);
  EXPECT_EQ(back.stats.sampling_ms, 1234.5);
  EXPECT_EQ(back.stats.devices, r.stats.devices);
  EXPECT_EQ(back.measured_speedup, 1.37);
  EXPECT_EQ(back.app_version, r.app_version);
}

TEST(SettingsJson, WarmupStepsAutoAbsentAndOutOfRange) {
  GenerationSettings s = full_settings();
  s.warmup_steps = GenerationSettings::kAutoWarmup;  // the GUI's "Auto" survives a round trip
  EXPECT_EQ(settings_from_json(settings_to_json(s)).warmup_steps, GenerationSettings::kAutoWarmup);
  // A document from before warm-up existed: DRiffusion ran none then, so none reproduces it.
  const std::string old = R"({"format":"driffusion-settings","version":1,"settings":{"model":"analytic","prompt":"p",)"
                          R"("seed":"1","steps":10,"guidance":3,"sampler":"ddpm","mode":"aggressive","width":3}})";
  EXPECT_EQ(settings_from_json(old).warmup_steps, 0);
  std::string bad = old;
  bad.insert(bad.size() - 2, ",\"warmup_steps\":11");
  try {
    settings_from_json(bad);
    ADD_FAILURE() << "11 warm-up steps of 10 accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("warm-up steps"), std::string::npos) << e.what();
  }
}

TEST(SettingsJson, SeedAsStringOrUnsignedNumber) {
  EXPECT_EQ(settings_from_json(with_field("seed", "42")).seed, 42u);
  EXPECT_EQ(settings_from_json(with_field("seed", "18446744073709551615")).seed, 18446744073709551615ull);
  EXPECT_EQ(settings_from_json(with_field("seed", "\"007\"")).seed, 7u);
  for (const std::string bad : {"-1", "1.5", "\"-1\"", "\"1e3\"", "\"18446744073709551616\"", "\"\"", "true", "null"})
    EXPECT_NE(error_of(with_field("seed", bad)).find("settings.seed"), std::string::npos) << bad;
}

TEST(SettingsJson, RejectsMalformedInputWithMessagesNamingTheField) {
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("must be an object"), std::string::npos);
  EXPECT_NE(error_of(R"({"format":"driffusion-settings","version":1})").find("settings is missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"format":"other","version":1,"settings":{}})").find("format"), std::string::npos);
  const std::string newer = error_of(R"({"format":"driffusion-settings","version":2,"settings":{}})");
  EXPECT_NE(newer.find("newer"), std::string::npos) << newer;
  EXPECT_NE(error_of(with_field("stpes", "20")).find("unknown key 'stpes'"), std::string::npos);
  EXPECT_NE(error_of(with_field("steps", "\"20\"")).find("settings.steps must be a whole number"), std::string::npos);
  EXPECT_NE(error_of(with_field("steps", "2.5")).find("settings.steps"), std::string::npos);
  EXPECT_NE(error_of(with_field("steps", "0")).find("steps must be between"), std::string::npos);
  EXPECT_NE(error_of(with_field("steps", "99999999999")).find("out of range"), std::string::npos);
  EXPECT_NE(error_of(with_field("sampler", "\"dpm\"")).find("unknown sampler"), std::string::npos);
  EXPECT_NE(error_of(with_field("mode", "\"fast\"")).find("unknown mode"), std::string::npos);
  EXPECT_NE(error_of(with_field("guidance", "\"7\"")).find("settings.guidance must be a number"), std::string::npos);
  EXPECT_NE(error_of(with_field("devices", "[0,\"1\"]")).find("settings.devices[1]"), std::string::npos);
  EXPECT_NE(error_of(with_field("karras_sigmas", "1")).find("true or false"), std::string::npos);
  EXPECT_NE(error_of(with_field("prompt", "7")).find("settings.prompt must be a string"), std::string::npos);
}

TEST(SettingsJson, RejectsHostileSizesAndNesting) {
  EXPECT_NE(error_of(std::string(1100000, ' ')).find("larger than 1 MiB"), std::string::npos);
  std::string deep = "{\"format\":\"driffusion-settings\",\"version\":1,\"settings\":";
  for (int i = 0; i < 10000; ++i) deep += "[";
  EXPECT_NE(error_of(deep).find("nested deeper"), std::string::npos);
  EXPECT_NE(error_of("{\"a\":\"\xff\xfe\"}").find("not valid JSON"), std::string::npos);  // invalid UTF-8
}

TEST(SettingsJson, InvalidUtf8InAPromptIsReplacedNotFatal) {
  GenerationSettings s = full_settings();
  s.prompt = "bad \xff byte";
  const GenerationSettings back = settings_from_json(settings_to_json(s));
  EXPECT_EQ(back.prompt, "bad \xEF\xBF\xBD byte");
}
