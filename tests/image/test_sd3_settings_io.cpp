// The SD3 settings (T5 on/off, flow shift, T5 device) through every place settings travel: the
// infotext ("Shift: 3.0", "T5: off", "T5 device: cpu", written only when not the default), the
// settings JSON, and validate_settings' refusals naming the setting.
#include <gtest/gtest.h>

#include <cmath>

#include "core/engine/settings.h"
#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

GenerationSettings sd3_settings() {
  GenerationSettings s;
  s.model = "/models/sd3_medium_incl_clips_t5xxlfp16.safetensors";
  s.prompt = "a lighthouse at dusk";
  s.seed = 7;
  s.steps = 28;
  s.guidance = 7;
  s.sampler = SamplerKind::DDIM;
  s.use_t5 = false;
  s.flow_shift = 3.0;
  s.t5_device = "cpu";
  return s;
}

std::string usage_error_of(const GenerationSettings& s) {
  try {
    validate_settings(s);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Sd3SettingsIo, InfotextWritesShiftT5AndT5DeviceAndReadsThemBack) {
  const GenerationSettings s = sd3_settings();
  const std::string text = format_infotext(s, RunStats{}, "sd3", "", "");
  // A whole shift keeps its ".0" as the reference UIs write it.
  EXPECT_NE(text.find("Shift: 3.0, T5: off, T5 device: cpu"), std::string::npos) << text;
  const InfotextParams p = parse_infotext(text);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(p.settings.flow_shift, 3.0);
  EXPECT_FALSE(p.settings.use_t5);
  EXPECT_EQ(p.settings.t5_device, "cpu");

  GenerationSettings fractional = s;
  fractional.flow_shift = 4.25;
  const InfotextParams q = parse_infotext(format_infotext(fractional, RunStats{}, "", "", ""));
  EXPECT_EQ(q.settings.flow_shift, 4.25);
}

TEST(Sd3SettingsIo, DefaultsWriteNoSd3KeysAndReadBackAsDefaults) {
  GenerationSettings s = sd3_settings();
  s.use_t5 = true;
  s.flow_shift = 0;
  s.t5_device.clear();
  const std::string text = format_infotext(s, RunStats{}, "", "", "");
  for (const char* key : {"Shift:", "T5:", "T5 device:"}) EXPECT_EQ(text.find(key), std::string::npos) << key;
  const InfotextParams p = parse_infotext(text);
  EXPECT_TRUE(p.settings.use_t5);
  EXPECT_EQ(p.settings.flow_shift, 0.0);
  EXPECT_TRUE(p.settings.t5_device.empty());
}

TEST(Sd3SettingsIo, InfotextT5ValuesOtherThanOnOrOffBecomeWarnings) {
  const InfotextParams on = parse_infotext("p\nSteps: 20, T5: on");
  EXPECT_TRUE(on.settings.use_t5);
  const InfotextParams bad = parse_infotext("p\nSteps: 20, T5: maybe, Shift: x");
  EXPECT_TRUE(bad.settings.use_t5);
  EXPECT_EQ(bad.settings.flow_shift, 0.0);
  ASSERT_EQ(bad.warnings.size(), 2u);
  EXPECT_NE(bad.warnings[0].find("'T5' is neither on nor off"), std::string::npos) << bad.warnings[0];
  EXPECT_NE(bad.warnings[1].find("'Shift' is not a valid number"), std::string::npos) << bad.warnings[1];
}

TEST(Sd3SettingsIo, SettingsJsonRoundTripsTheSd3Fields) {
  const GenerationSettings s = sd3_settings();
  const std::string json = settings_to_json(s);
  EXPECT_NE(json.find("\"use_t5\":false"), std::string::npos) << json;
  EXPECT_NE(json.find("\"flow_shift\":3.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"t5_device\":\"cpu\""), std::string::npos) << json;
  const GenerationSettings back = settings_from_json(json);
  EXPECT_FALSE(back.use_t5);
  EXPECT_EQ(back.flow_shift, 3.0);
  EXPECT_EQ(back.t5_device, "cpu");
  // Older files without the fields read as the defaults.
  const GenerationSettings old = settings_from_json(
      R"({"format":"driffusion-settings","version":1,"settings":{"model":"analytic","prompt":"p","seed":"1",)"
      R"("steps":10,"guidance":3,"sampler":"ddim","mode":"sequential","width":1}})");
  EXPECT_TRUE(old.use_t5);
  EXPECT_EQ(old.flow_shift, 0.0);
  EXPECT_TRUE(old.t5_device.empty());
  // A bad value is refused naming the setting.
  std::string bad = json;
  bad.replace(bad.find("\"t5_device\":\"cpu\""), 17, "\"t5_device\":\"gpu\"");
  try {
    settings_from_json(bad);
    FAIL() << "accepted t5_device gpu";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("T5 device"), std::string::npos) << e.what();
  }
}

TEST(Sd3SettingsIo, ValidationNamesTheShiftAndTheT5Device) {
  GenerationSettings s = sd3_settings();
  EXPECT_EQ(usage_error_of(s), "");
  for (double bad : {-1.0, 100.5, std::nan("")}) {
    s.flow_shift = bad;
    EXPECT_NE(usage_error_of(s).find("flow shift"), std::string::npos) << bad;
  }
  s.flow_shift = 100.0;
  EXPECT_EQ(usage_error_of(s), "");
  for (const char* ok : {"", "cpu", "cuda:0", "cuda:12"}) {
    s.t5_device = ok;
    EXPECT_EQ(usage_error_of(s), "") << ok;
    EXPECT_TRUE(is_valid_t5_device(ok)) << ok;
  }
  for (const char* bad : {"gpu", "cuda", "cuda:", "cuda:x", "cuda:-1", "CPU ", "cuda:12345"}) {
    s.t5_device = bad;
    EXPECT_NE(usage_error_of(s).find("T5 device"), std::string::npos) << bad;
    EXPECT_FALSE(is_valid_t5_device(bad)) << bad;
  }
}
