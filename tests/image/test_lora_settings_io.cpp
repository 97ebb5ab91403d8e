// The LoRA list (GenerationSettings::loras) through every place settings travel: its one text
// form (CLI --lora, the GUI field, the infotext's "LoRA" field), the settings JSON (written only
// with LoRAs, so older readers keep reading images without them), and validate_settings.
#include <gtest/gtest.h>

#include <cctype>
#include <clocale>

#include "core/engine/settings.h"
#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

std::string usage_error_of(const std::string& text) {
  try {
    parse_lora_list(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(LoraSettingsIo, TextFormParsesPathsAndStrengths) {
  const auto l =
      parse_lora_list(" /loras/lcm-lora-sdv1-5.safetensors ; style:v2.safetensors:0.6;neg.safetensors:-1.5e-1 ;");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], (LoraChoice{"/loras/lcm-lora-sdv1-5.safetensors", 1.0}));  // no strength: 1
  EXPECT_EQ(l[1], (LoraChoice{"style:v2.safetensors", 0.6}));                // a ':' inside the name stays in the path
  EXPECT_EQ(l[2], (LoraChoice{"neg.safetensors", -0.15}));
  EXPECT_TRUE(parse_lora_list("").empty());
  EXPECT_TRUE(parse_lora_list(" ; ").empty());
  EXPECT_EQ(parse_lora_list("a.safetensors:+2"), (std::vector<LoraChoice>{{"a.safetensors", 2.0}}));
  EXPECT_EQ(format_lora_list(l),
            "/loras/lcm-lora-sdv1-5.safetensors:1; style:v2.safetensors:0.6; neg.safetensors:-0.15");
  EXPECT_EQ(parse_lora_list(format_lora_list(l)), l);
}

TEST(LoraSettingsIo, TextFormRefusesAbsurdStrengthsAndEmptyPaths) {
  EXPECT_NE(usage_error_of("a.safetensors:11").find("between -10 and 10"), std::string::npos);
  EXPECT_NE(usage_error_of("a.safetensors:inf").find("between -10 and 10"), std::string::npos);
  EXPECT_NE(usage_error_of(":0.5").find("has no file"), std::string::npos);
  GenerationSettings s;
  s.loras = {{"a.safetensors", 1e9}};
  EXPECT_THROW(validate_settings(s), UsageError);
  s.loras = {{"", 1.0}};
  EXPECT_THROW(validate_settings(s), UsageError);
  s.loras = {{"a.safetensors", -10.0}};
  EXPECT_NO_THROW(validate_settings(s));
}

// The GUI runs under the user's locale: a decimal comma must change neither what is written nor read.
TEST(LoraSettingsIo, TextFormIgnoresTheCLocale) {
  const char* before = std::setlocale(LC_NUMERIC, nullptr);
  const std::string saved = before ? before : "C";
  if (!std::setlocale(LC_NUMERIC, "de_DE.UTF-8") && !std::setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
    GTEST_SKIP() << "no locale with a decimal comma is installed";
  const std::string text = format_lora_list({{"a.safetensors", 0.75}});
  const auto back = parse_lora_list("a.safetensors:0.75");
  std::setlocale(LC_NUMERIC, saved.c_str());
  EXPECT_EQ(text, "a.safetensors:0.75");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].strength, 0.75);
}

TEST(LoraSettingsIo, InfotextAndSettingsJsonRoundTripTheList) {
  GenerationSettings s;
  s.model = "random:tiny";
  s.prompt = "a fox";
  s.loras = {{"/l/lcm, v1.safetensors", 1.0}, {"style.safetensors", 0.35}};  // a comma: the value is quoted
  const std::string text = format_infotext(s, RunStats{}, "", "", "");
  EXPECT_NE(text.find("LoRA: \"/l/lcm, v1.safetensors:1; style.safetensors:0.35\""), std::string::npos) << text;
  const InfotextParams p = parse_infotext(text);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(p.settings.loras, s.loras);
  const GenerationSettings back = settings_from_json(settings_to_json(s));
  EXPECT_EQ(back.loras, s.loras);

  // Without LoRAs neither form mentions them (older readers reject unknown JSON keys).
  s.loras.clear();
  EXPECT_EQ(format_infotext(s, RunStats{}, "", "", "").find("LoRA"), std::string::npos);
  EXPECT_EQ(settings_to_json(s).find("loras"), std::string::npos);
  EXPECT_TRUE(settings_from_json(settings_to_json(s)).loras.empty());
}

TEST(LoraSettingsIo, BadValuesAreWarningsInInfotextAndErrorsInJson) {
  const InfotextParams p = parse_infotext("p\nSteps: 20, Sampler: Euler, LoRA: a.safetensors:99");
  EXPECT_TRUE(p.settings.loras.empty());
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("'LoRA'"), std::string::npos) << p.warnings[0];
  const std::string head =
      R"({"format":"driffusion-settings","version":1,"settings":{"model":"analytic","prompt":"p","seed":"1",)"
      R"("steps":10,"guidance":3,"sampler":"ddim","mode":"sequential","width":1,)";
  for (const char* bad :
       {R"("loras":{}}})", R"("loras":[{"path":"a"}]}})", R"("loras":[{"path":"a","strength":1,"x":2}]}})",
        R"("loras":[{"path":"a","strength":50}]}})"}) {
    try {
      settings_from_json(head + bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InputError& e) {
      std::string what = e.what();
      for (auto& c : what) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_NE(what.find("lora"), std::string::npos) << e.what();
    }
  }
}
