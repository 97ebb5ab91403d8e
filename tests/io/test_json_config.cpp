// JSON files with caps and clear errors, the typed getters, and diffusers scheduler configs
// (the SD 1.5 and SD 2.1 scheduler_config.json files as published, plus hostile variants).
#include <gtest/gtest.h>

#include "core/io/json_file.h"
#include "core/io/scheduler_config.h"
#include "io_test_util.h"

using namespace drf;

#define EXPECT_MENTIONS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << (msg)

namespace {

std::string json_error(const std::string& text, const JsonLimits& limits = {}) {
  return test::input_error_of([&] { parse_json_text(text, "config.json", limits); });
}

}  // namespace

TEST(JsonFile, SyntaxErrorsNameTheFileLineAndByte) {
  const std::string msg = json_error("{\n  \"a\": 1,\n  \"b\": tru, \"c\": 2\n}");
  EXPECT_MENTIONS(msg, "config.json: invalid JSON (byte ");
  EXPECT_MENTIONS(msg, "line 3");
  EXPECT_MENTIONS(json_error("{\"k\": \"\xc3\x28\"}"), "UTF-8");
  EXPECT_MENTIONS(json_error(""), "invalid JSON");
  EXPECT_MENTIONS(json_error("{} trailing"), "invalid JSON");
  EXPECT_MENTIONS(json_error("{\"n\": -1.5e2337203685}"),
                  "config.json: invalid JSON: number overflow");  // found by fuzzing
}

TEST(JsonFile, DepthAndSizeCaps) {
  EXPECT_MENTIONS(json_error(std::string(100000, '[')), "nests deeper than 64 levels");
  EXPECT_MENTIONS(json_error(std::string(100000, '[') + std::string(100000, ']')), "nests deeper");
  EXPECT_NO_THROW(parse_json_text(std::string(64, '[') + std::string(64, ']'), "ok.json"));
  EXPECT_MENTIONS(json_error("[[1]]", JsonLimits{1024, 1}), "nests deeper than 1 levels");
  EXPECT_MENTIONS(json_error(std::string(2048, ' ') + "{}", JsonLimits{1024, 8}), "above the 1024 bytes limit");

  test::ScratchDir dir;
  test::write_bytes(dir.file("huge.json"), "[" + std::string((16u << 20) + 10, ' ') + "]");
  const std::string msg = test::input_error_of([&] { read_json_file(dir.file("huge.json")); });
  EXPECT_MENTIONS(msg, dir.file("huge.json"));
  EXPECT_MENTIONS(msg, "above the 16 MB limit");
  EXPECT_MENTIONS(test::input_error_of([&] { read_json_file(dir.file("none.json")); }), "no such file");
  EXPECT_MENTIONS(test::input_error_of([&] { read_json_file(dir.path().string()); }), "is a directory");
}

TEST(JsonFile, TypedGettersNameTheKey) {
  const auto j =
      parse_json_text(R"({"i": 7, "f": 2.0, "half": 2.5, "big": 1e30, "s": "x", "b": true, "n": null})", "c.json");
  EXPECT_EQ(get_int(j, "i", 0, "c.json"), 7);
  EXPECT_EQ(get_int(j, "f", 0, "c.json"), 2);  // 2.0 is an integer written as a float
  EXPECT_EQ(get_int(j, "missing", 42, "c.json"), 42);
  EXPECT_EQ(get_int(j, "n", 5, "c.json"), 5);  // null means "use the default", as diffusers does
  EXPECT_EQ(get_int64(j, "i", 0, "c.json"), 7);
  EXPECT_DOUBLE_EQ(get_double(j, "half", 0, "c.json"), 2.5);
  EXPECT_EQ(get_string(j, "s", "", "c.json"), "x");
  EXPECT_TRUE(get_bool(j, "b", false, "c.json"));
  EXPECT_MENTIONS(test::input_error_of([&] { get_int(j, "half", 0, "c.json"); }),
                  "c.json: key 'half' is 2.5, expected an integer");
  EXPECT_MENTIONS(test::input_error_of([&] { get_int(j, "big", 0, "c.json"); }), "key 'big'");
  EXPECT_MENTIONS(test::input_error_of([&] { get_int(j, "s", 0, "c.json"); }), "key 's'");
  EXPECT_MENTIONS(test::input_error_of([&] { get_bool(j, "i", false, "c.json"); }),
                  "key 'i' is 7, expected true or false");
  EXPECT_MENTIONS(test::input_error_of([&] { get_string(j, "b", "", "c.json"); }), "expected a string");
  EXPECT_MENTIONS(test::input_error_of([&] { get_double(j, "s", 0, "c.json"); }), "expected a number");
  EXPECT_MENTIONS(test::input_error_of([&] { require_object(parse_json_text("[]", "c.json"), "c.json", "a config"); }),
                  "expected a config");
}

TEST(SchedulerConfig, StableDiffusion15) {
  const auto c = scheduler_config_from_json(nlohmann::json::parse(R"({
    "_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
    "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null,
    "clip_sample": false})"),
                                            "sd15/scheduler_config.json");
  EXPECT_EQ(c.num_train_timesteps, 1000);
  EXPECT_DOUBLE_EQ(c.beta_start, 0.00085);
  EXPECT_DOUBLE_EQ(c.beta_end, 0.012);
  EXPECT_EQ(c.beta_schedule, BetaSchedule::ScaledLinear);
  EXPECT_EQ(c.spacing, TimestepSpacing::Leading);
  EXPECT_EQ(c.steps_offset, 1);
  EXPECT_FALSE(c.set_alpha_to_one);
  EXPECT_EQ(c.prediction, PredictionType::Epsilon);
}

TEST(SchedulerConfig, StableDiffusion21VPredictionAndDefaults) {
  test::ScratchDir dir;
  test::write_bytes(dir.file("scheduler_config.json"), R"({
    "_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
    "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "v_prediction",
    "set_alpha_to_one": false, "steps_offset": 1, "timestep_spacing": "trailing", "trained_betas": null})");
  const auto c = read_scheduler_config(dir.file("scheduler_config.json"));
  EXPECT_EQ(c.prediction, PredictionType::VPrediction);
  EXPECT_EQ(c.spacing, TimestepSpacing::Trailing);
  // Absent keys: diffusers' defaults (DDIMScheduler alone sets alpha to one by default).
  const auto d = scheduler_config_from_json(nlohmann::json::parse(R"({"_class_name": "DDIMScheduler"})"), "d.json");
  EXPECT_EQ(d.beta_schedule, BetaSchedule::Linear);
  EXPECT_DOUBLE_EQ(d.beta_start, 0.0001);
  EXPECT_DOUBLE_EQ(d.beta_end, 0.02);
  EXPECT_EQ(d.steps_offset, 0);
  EXPECT_TRUE(d.set_alpha_to_one);
  EXPECT_FALSE(
      scheduler_config_from_json(nlohmann::json::parse(R"({"_class_name": "EulerDiscreteScheduler"})"), "e.json")
          .set_alpha_to_one);
}

TEST(SchedulerConfig, BadValuesNameTheFileAndKey) {
  const auto err = [](const std::string& text) {
    return test::input_error_of([&] { scheduler_config_from_json(nlohmann::json::parse(text), "s.json"); });
  };
  EXPECT_MENTIONS(err(R"({"beta_schedule": "cosine"})"),
                  "s.json: key 'beta_schedule': unsupported beta_schedule 'cosine'");
  EXPECT_MENTIONS(err(R"({"prediction_type": "x0"})"), "key 'prediction_type'");
  EXPECT_MENTIONS(err(R"({"timestep_spacing": 3})"), "key 'timestep_spacing' is 3, expected a string");
  EXPECT_MENTIONS(err(R"({"num_train_timesteps": "1000"})"), "key 'num_train_timesteps'");
  EXPECT_MENTIONS(err(R"({"num_train_timesteps": 1})"), "s.json: num_train_timesteps 1 is out of range");
  EXPECT_MENTIONS(err(R"({"beta_start": 0.5, "beta_end": 0.1})"), "s.json: beta_start/beta_end");
  EXPECT_MENTIONS(err(R"({"steps_offset": -1})"), "key 'steps_offset'");
  EXPECT_MENTIONS(err(R"({"trained_betas": [0.1, 0.2]})"), "trained_betas");
  EXPECT_MENTIONS(err(R"({"rescale_betas_zero_snr": true})"), "rescale_betas_zero_snr");
  EXPECT_MENTIONS(err(R"([1, 2])"), "s.json: expected a scheduler configuration");
}
