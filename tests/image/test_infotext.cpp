// The A1111 infotext: exact formatting, round trips (quoting, multi-line prompts), text from
// other tools, hostile input, and an independent parse with the regex other tools use.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/image/infotext.h"

using namespace drf;

namespace {

GenerationSettings example_settings() {
  GenerationSettings s;
  s.model = "/models/v1-5-pruned-emaonly.safetensors";
  s.prompt = "a cat";
  s.negative_prompt = "blurry";
  s.seed = 123;
  s.steps = 20;
  s.guidance = 7;
  s.sampler = SamplerKind::DDIM;
  s.mode = Mode::Aggressive;
  s.width = 4;
  s.image_width = 512;
  s.image_height = 512;
  return s;
}

RunStats example_stats() {
  RunStats st;
  st.steps = 20;
  st.width = 4;
  st.mode = "aggressive";
  st.serial_latencies = 6;
  st.sequential_latencies = 20;
  st.theoretical_speedup = 20.0 / 6.0;
  st.devices = {"cuda:0", "cuda:1"};
  return st;
}

std::string last_line(const std::string& text) { return text.substr(text.rfind('\n') + 1); }

// The parameters line as AUTOMATIC1111 and other tools split it: a regex, values unquoted by a
// JSON library. Independent of the code under test.
std::vector<std::pair<std::string, std::string>> regex_params(const std::string& line) {
  static const std::regex re(R"(\s*([\w ]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$))");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = std::sregex_iterator(line.begin(), line.end(), re); it != std::sregex_iterator(); ++it) {
    std::string value = (*it)[2].str();
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      try {
        value = nlohmann::json::parse(value).get<std::string>();
      } catch (const std::exception&) {
      }
    }
    out.emplace_back((*it)[1].str(), value);
  }
  return out;
}

}  // namespace

TEST(Infotext, FormatsTheA1111Layout) {
  const std::string text =
      format_infotext(example_settings(), example_stats(), "v1-5-pruned-emaonly", "6ce0161689", "DRiffusion Studio 0.1.0");
  EXPECT_EQ(text,
            "a cat\n"
            "Negative prompt: blurry\n"
            "Steps: 20, Sampler: DDIM, CFG scale: 7, Seed: 123, Size: 512x512, Model hash: 6ce0161689, "
            "Model: v1-5-pruned-emaonly, DRiffusion mode: aggressive, DRiffusion width: 4, "
            "DRiffusion devices: \"cuda:0, cuda:1\", Serial latencies: 6, Latency speedup: 3.33, "
            "Version: DRiffusion Studio 0.1.0");
}

TEST(Infotext, NoNegativeLineWhenEmptyAndMeasuredSpeedupWhenKnown) {
  GenerationSettings s = example_settings();
  s.negative_prompt.clear();
  s.mode = Mode::Sequential;
  const std::string text = format_infotext(s, RunStats{}, "m", "", "v", 2.456);
  EXPECT_EQ(text.find("Negative prompt"), std::string::npos);
  EXPECT_EQ(text.find("Model hash"), std::string::npos);
  EXPECT_EQ(text.find("DRiffusion width"), std::string::npos);
  EXPECT_NE(text.find("DRiffusion mode: sequential"), std::string::npos);
  EXPECT_NE(text.find("Measured speedup: 2.46"), std::string::npos);
  EXPECT_EQ(text.substr(0, 6), "a cat\n");
}

TEST(Infotext, RoundTripKeepsEverySetting) {
  GenerationSettings s = example_settings();
  s.sampler = SamplerKind::Euler;
  s.karras_sigmas = true;
  s.guidance = 7.5;
  s.seed = 18446744073709551615ull;
  s.clip_skip = 2;
  s.dtype = "bf16";
  s.devices = {0, 1};
  const auto p = parse_infotext(format_infotext(s, example_stats(), "v1-5", "6ce0161689", "DRiffusion Studio 0.1.0", 3.1));
  EXPECT_TRUE(p.has_parameters_line);
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  EXPECT_TRUE(p.unknown.empty());
  EXPECT_EQ(p.settings.prompt, s.prompt);
  EXPECT_EQ(p.settings.negative_prompt, s.negative_prompt);
  EXPECT_EQ(p.settings.steps, 20);
  EXPECT_EQ(p.settings.sampler, SamplerKind::Euler);
  EXPECT_TRUE(p.settings.karras_sigmas);
  EXPECT_EQ(p.settings.guidance, 7.5);
  EXPECT_EQ(p.settings.seed, 18446744073709551615ull);
  EXPECT_EQ(p.settings.image_width, 512);
  EXPECT_EQ(p.settings.image_height, 512);
  EXPECT_EQ(p.settings.clip_skip, 2);
  EXPECT_EQ(p.settings.dtype, "bf16");
  EXPECT_EQ(p.settings.mode, Mode::Aggressive);
  EXPECT_EQ(p.settings.width, 4);
  EXPECT_EQ(p.settings.devices, (std::vector<int>{0, 1}));
  EXPECT_EQ(p.devices, (std::vector<std::string>{"cuda:0", "cuda:1"}));
  EXPECT_EQ(p.model_name, "v1-5");
  EXPECT_EQ(p.model_hash, "6ce0161689");
  EXPECT_EQ(p.version, "DRiffusion Studio 0.1.0");
  EXPECT_EQ(p.serial_latencies, 6);
  EXPECT_NEAR(p.latency_speedup, 3.33, 1e-12);
  EXPECT_NEAR(p.measured_speedup, 3.1, 1e-12);
  EXPECT_TRUE(p.settings.model.empty());
}

TEST(Infotext, WarmupStepsRoundTripAndAbsentMeansNone) {
  GenerationSettings s = example_settings();  // DDIM, aggressive width 4
  s.warmup_steps = 3;
  std::string text = format_infotext(s, RunStats{}, "m", "", "v");
  EXPECT_NE(text.find("DRiffusion width: 4, DRiffusion warmup steps: 3"), std::string::npos) << text;
  EXPECT_EQ(parse_infotext(text).settings.warmup_steps, 3);
  // Auto resolves to the solver's default: DDPM's four steps are written, DDIM's none.
  s.warmup_steps = GenerationSettings::kAutoWarmup;
  s.sampler = SamplerKind::DDPM;
  EXPECT_NE(format_infotext(s, RunStats{}, "m", "", "v").find("DRiffusion warmup steps: 4"), std::string::npos);
  s.sampler = SamplerKind::DDIM;
  text = format_infotext(s, RunStats{}, "m", "", "v");
  EXPECT_EQ(text.find("warmup"), std::string::npos) << text;
  // An image without the key (ours with none, or from before warm-up existed) ran none.
  EXPECT_EQ(parse_infotext(text).settings.warmup_steps, 0);
  s.mode = Mode::Sequential;  // nothing to say for the sequential sampler: the setting stays auto
  EXPECT_EQ(parse_infotext(format_infotext(s, RunStats{}, "m", "", "v")).settings.warmup_steps,
            GenerationSettings::kAutoWarmup);
}

TEST(Infotext, DdimEtaRoundTrips) {
  GenerationSettings s = example_settings();
  s.eta = 0.35;
  const std::string text = format_infotext(s, RunStats{}, "m", "", "v");
  EXPECT_NE(text.find("Eta DDIM: 0.35"), std::string::npos);
  EXPECT_EQ(parse_infotext(text).settings.eta, 0.35);
}

TEST(Infotext, MultiLinePromptsAndQuotedValuesRoundTrip) {
  GenerationSettings s = example_settings();
  s.prompt = "line one, with a comma\nline two: with a colon\n\"quoted\" line";
  s.negative_prompt = "neg one\nneg two";
  const std::string model = "my \"best\", model: v2\\final";
  const std::string text = format_infotext(s, example_stats(), model, "", "v");
  // The value with ',', ':' and quotes is JSON-quoted on the parameters line.
  EXPECT_NE(last_line(text).find("Model: \"my \\\"best\\\", model: v2\\\\final\""), std::string::npos) << text;
  const auto p = parse_infotext(text);
  EXPECT_EQ(p.settings.prompt, s.prompt);
  EXPECT_EQ(p.settings.negative_prompt, s.negative_prompt);
  EXPECT_EQ(p.model_name, model);
}

TEST(Infotext, QuoteAndUnquoteAreInverse) {
  for (const std::string v : {"plain", "a, b", "k: v", "multi\nline\ttab", "\"starts with quote", "back\\slash",
                              "ctrl \x01 char", "unicode é 日本 😀", ""}) {
    const std::string q = quote_infotext_value(v);
    EXPECT_EQ(unquote_infotext_value(q), v) << q;
    EXPECT_EQ(q.find('\n'), std::string::npos);
  }
  EXPECT_EQ(quote_infotext_value("plain"), "plain");
  EXPECT_EQ(unquote_infotext_value("\"\\u00e9\\ud83d\\ude00\""), "é😀");
  EXPECT_EQ(unquote_infotext_value("\"\\ud800\""), "\xEF\xBF\xBD");  // lone surrogate -> U+FFFD
  EXPECT_EQ(unquote_infotext_value("\"broken"), "\"broken");
  EXPECT_EQ(unquote_infotext_value("\"a\"b\""), "\"a\"b\"");
  EXPECT_EQ(unquote_infotext_value("\"bad \\x escape\""), "\"bad \\x escape\"");
}

TEST(Infotext, IndependentRegexParseAgreesWithOurs) {
  GenerationSettings s = example_settings();
  s.prompt = "prompt, with: punctuation\nand a second line";
  const std::string text = format_infotext(s, example_stats(), "name, with comma", "abcdef0123", "v 1");
  const auto ours = parse_infotext(text);
  const auto theirs = regex_params(last_line(text));
  ASSERT_EQ(theirs.size(), ours.fields.size());
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    EXPECT_EQ(theirs[i].first, ours.fields[i].first);
    EXPECT_EQ(theirs[i].second, ours.fields[i].second);
  }
  const std::map<std::string, std::string> m(theirs.begin(), theirs.end());
  EXPECT_EQ(m.at("Seed"), "123");
  EXPECT_EQ(m.at("Steps"), "20");
  EXPECT_EQ(m.at("Sampler"), "DDIM");
  EXPECT_EQ(m.at("Size"), "512x512");
  EXPECT_EQ(m.at("Model"), "name, with comma");
  EXPECT_EQ(m.at("DRiffusion devices"), "cuda:0, cuda:1");
}

TEST(Infotext, ParameterLineSplittingMatchesTheRegexOnTrickyLines) {
  // Lines that exercise the regex's corners: unterminated quotes, escaped quotes, values with
  // spaces, keys not followed by ':', a bare ' :' key, trailing commas, a quote not followed by ','.
  const std::vector<std::string> lines = {
      "Steps: 20, Sampler: Euler a, CFG scale: 7",
      "a: \"x, y\", b: \"unterminated, c: 3, d: 4",
      "  : x, Steps: 1, k:v,",
      "foo bar, Steps: 20, x: \"q\\\"uote\", y:  spaced  ,z:",
      "k1: \"a\"b, k2: \"\", k3: \"\\\\\", k4: last",
      "Steps: 1,Sampler:DDIM,Seed:5,Extra key with spaces: 1 2 3",
      "A: 1, B: \"tail\\\" still, C: 2, D: 3",
  };
  for (const std::string& line : lines) {
    const auto theirs = regex_params(line);
    ASSERT_GE(theirs.size(), 3u) << line;
    const auto ours = parse_infotext("prompt\n" + line);
    ASSERT_EQ(ours.fields.size(), theirs.size()) << line;
    for (std::size_t i = 0; i < theirs.size(); ++i) {
      EXPECT_EQ(ours.fields[i].first, theirs[i].first) << line;
      EXPECT_EQ(ours.fields[i].second, theirs[i].second) << line;
    }
  }
}

TEST(Infotext, ReadsInfotextFromOtherTools) {
  const std::string a1111 =
      "masterpiece, 1girl\n"
      "Negative prompt: lowres, bad anatomy\n"
      "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 3456789012, Size: 512x768, Model hash: 6ce0161689, "
      "Model: anything-v5, Denoising strength: 0.7, Clip skip: 2, ENSD: 31337, Version: v1.6.0";
  const auto p = parse_infotext(a1111);
  EXPECT_EQ(p.settings.prompt, "masterpiece, 1girl");
  EXPECT_EQ(p.settings.negative_prompt, "lowres, bad anatomy");
  EXPECT_EQ(p.settings.steps, 28);
  EXPECT_EQ(p.settings.guidance, 7.5);
  EXPECT_EQ(p.settings.seed, 3456789012ull);
  EXPECT_EQ(p.settings.image_width, 512);
  EXPECT_EQ(p.settings.image_height, 768);
  EXPECT_EQ(p.settings.clip_skip, 2);
  EXPECT_EQ(p.model_name, "anything-v5");
  EXPECT_EQ(p.version, "v1.6.0");
  // A1111's older combined name: the solver and the Karras schedule (sampler registry).
  EXPECT_TRUE(p.sampler_supported);
  EXPECT_EQ(p.sampler_text, "DPM++ 2M Karras");
  EXPECT_EQ(p.settings.sampler, SamplerKind::DpmPP2M);
  EXPECT_EQ(effective_schedule(p.settings), ScheduleKind::Karras);
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  EXPECT_EQ(p.unknown.at("Denoising strength"), "0.7");
  EXPECT_EQ(p.unknown.at("ENSD"), "31337");
}

TEST(Infotext, MapsSamplerNames) {
  SamplerKind k{};
  bool karras = false;
  EXPECT_TRUE(map_sampler_name("DDIM", k, karras));
  EXPECT_EQ(k, SamplerKind::DDIM);
  EXPECT_TRUE(map_sampler_name("euler", k, karras));
  EXPECT_EQ(k, SamplerKind::Euler);
  EXPECT_FALSE(karras);
  EXPECT_TRUE(map_sampler_name("Euler Karras", k, karras));
  EXPECT_TRUE(karras);
  EXPECT_TRUE(map_sampler_name("k_euler", k, karras));
  EXPECT_EQ(k, SamplerKind::Euler);
  EXPECT_TRUE(map_sampler_name("ddpm", k, karras));
  EXPECT_EQ(k, SamplerKind::DDPM);
  EXPECT_TRUE(map_sampler_name("Euler a", k, karras));
  EXPECT_EQ(k, SamplerKind::EulerAncestral);
  EXPECT_TRUE(map_sampler_name("DPM++ 2M", k, karras));
  EXPECT_EQ(k, SamplerKind::DpmPP2M);
  EXPECT_FALSE(karras);
  EXPECT_TRUE(map_sampler_name("DPM++ 2M SDE Karras", k, karras));
  EXPECT_EQ(k, SamplerKind::DpmPP2MSde);
  EXPECT_TRUE(karras);
  EXPECT_TRUE(map_sampler_name("UniPC", k, karras));
  EXPECT_EQ(k, SamplerKind::UniPC);
  EXPECT_FALSE(map_sampler_name("LMS", k, karras));
  EXPECT_FALSE(map_sampler_name("DPM adaptive", k, karras));

  // Current A1111 writes the schedule apart; both spellings restore the same settings.
  GenerationSettings s = example_settings();
  s.sampler = SamplerKind::DpmPP2MSde;
  s.schedule = ScheduleKind::Exponential;
  s.s_noise = 0.9;
  const std::string text = format_infotext(s, example_stats(), "", "", "v", 0);
  EXPECT_NE(text.find("Sampler: DPM++ 2M SDE, Schedule type: Exponential"), std::string::npos) << text;
  const auto back = parse_infotext(text);
  EXPECT_EQ(back.settings.sampler, SamplerKind::DpmPP2MSde);
  EXPECT_EQ(back.settings.schedule, ScheduleKind::Exponential);
  EXPECT_EQ(back.settings.s_noise, 0.9);

  const auto p = parse_infotext("x\nSteps: 10, Sampler: Euler, Schedule type: Karras, Seed: 1");
  EXPECT_EQ(p.settings.sampler, SamplerKind::Euler);
  EXPECT_TRUE(p.settings.karras_sigmas);
}

TEST(Infotext, TextWithoutAParametersLineIsAllPrompt) {
  const auto p = parse_infotext("just a prompt\nSteps: 20, Seed: 1");  // fewer than 3 keys: not a parameters line
  EXPECT_FALSE(p.has_parameters_line);
  EXPECT_EQ(p.settings.prompt, "just a prompt\nSteps: 20, Seed: 1");
  EXPECT_TRUE(p.fields.empty());
  const auto empty = parse_infotext("");
  EXPECT_TRUE(empty.settings.prompt.empty());
  EXPECT_FALSE(empty.has_parameters_line);
}

TEST(Infotext, BadValuesBecomeWarningsNotExceptions) {
  const auto p = parse_infotext("p\nSteps: many, Seed: -1, Size: 12 by 7, CFG scale: 1e999, DRiffusion mode: turbo");
  EXPECT_EQ(p.settings.steps, GenerationSettings{}.steps);
  EXPECT_EQ(p.settings.seed, 0u);
  EXPECT_EQ(p.settings.image_width, 0);
  EXPECT_GE(p.warnings.size(), 4u);
}

TEST(Infotext, HostileInputNeverThrowsAndStaysLinear) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab :,\"\\\n\t1x-";
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<std::size_t>(rng() % 200), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    EXPECT_NO_THROW(parse_infotext(s));
  }
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  EXPECT_NO_THROW(parse_infotext(bytes));

  // Long runs that would make a naive findall quadratic.
  const auto start = std::chrono::steady_clock::now();
  parse_infotext("p\n" + std::string(900000, 'a'));
  parse_infotext("p\n" + std::string(300000, ' ') + "x");
  std::string quotes;
  for (int i = 0; i < 100000; ++i) quotes += "k:\"\\\"";
  parse_infotext("p\n" + quotes);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);

  const auto huge = parse_infotext(std::string((1 << 20) + 1, 'x'));
  ASSERT_EQ(huge.warnings.size(), 1u);
  EXPECT_TRUE(huge.settings.prompt.empty());
}
