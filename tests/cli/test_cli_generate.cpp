// driffusion generate end to end: the --json schema, metadata read back by our parsers and by
// the independent infotext regex, --from-image reproducing pixels, --count/--prompts, explicit
// file targets, formats, and Ctrl+C.
#include <algorithm>
#include <filesystem>
#include <regex>

#include "core/engine/pipeline.h"
#include "core/io/safetensors_writer.h"
#include "core/models/sd/stable_diffusion_pipeline.h"

#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/sampling/draft_plan.h"
#include "core/util/build_info.h"
#include "tests/cli/cli_test_util.h"
#include "tests/support/lcm_declared_copy.h"

using namespace drf;
using namespace drf::test;

namespace {

std::map<std::string, std::string> regex_params(const std::string& line) {
  static const std::regex re(R"(\s*([\w ]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$))");
  std::map<std::string, std::string> out;
  for (auto it = std::sregex_iterator(line.begin(), line.end(), re); it != std::sregex_iterator(); ++it) {
    std::string v = (*it)[2].str();
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = nlohmann::json::parse(v).get<std::string>();
    out[(*it)[1].str()] = v;
  }
  return out;
}

nlohmann::json generate_json(const std::vector<std::string>& args) {
  const auto r = cli(concat({"generate", "--json"}, args));
  EXPECT_EXIT_CODE(r, 0);
  return json_of(r);
}

}  // namespace

TEST(CliGenerate, JsonSchema) {
  ScratchDir dir;
  const auto j = generate_json(concat({"--mode", "aggressive", "--width", "4", "--seed", "77", "--cfg", "3.5", "--out",
                                       dir.path().string()},
                                      analytic_args("gold", 12)));
  EXPECT_EQ(j.value("command", ""), "generate");
  EXPECT_EQ(j.value("ok", false), true);
  EXPECT_EQ(j["build"].value("version", ""), build::kVersion);
  ASSERT_EQ(j["images"].size(), 1u);
  const auto& im = j["images"][0];
  EXPECT_EQ(im["path"].get<std::string>(), (dir / ("00000-77" + default_ext())).string());
  EXPECT_TRUE(std::filesystem::exists(im["path"].get<std::string>()));
  EXPECT_EQ(im["format"], "driffusion-settings");
  EXPECT_EQ(im["version"], 1);
  EXPECT_EQ(im["settings"]["seed"], "77");  // seeds are strings: 64-bit safe in every JSON reader
  EXPECT_EQ(im["settings"]["model"], "analytic");
  EXPECT_EQ(im["settings"]["prompt"], "gold");
  EXPECT_EQ(im["settings"]["steps"], 12);
  EXPECT_EQ(im["settings"]["guidance"], 3.5);
  EXPECT_EQ(im["settings"]["mode"], "aggressive");
  EXPECT_EQ(im["settings"]["width"], 4);
  EXPECT_EQ(im["settings"]["sampler"], "ddim");
  EXPECT_EQ(im["stats"]["serial_latencies"], 4);  // 1 + ceil(12 / 4)
  EXPECT_EQ(im["stats"]["sequential_latencies"], 12);
  EXPECT_EQ(im["stats"]["steps"], 12);
  EXPECT_GT(im["stats"]["sampling_ms"].get<double>(), 0);
  EXPECT_EQ(im["image"]["width"], 128);
  EXPECT_EQ(im["image"]["height"], 128);
  EXPECT_FALSE(im["model"]["name"].get<std::string>().empty());
  EXPECT_TRUE(im["warnings"].is_array());
  EXPECT_EQ(im["app"], std::string("DRiffusion Studio ") + build::kVersion);
}

TEST(CliGenerate, MetadataReadsBackAsTheSameSettings) {
  ScratchDir dir;
  const std::string prompt = "gold, shiny: very\nsecond \"line\"";
  const auto j = generate_json(concat({"--mode", "conservative", "--width", "3", "--seed", "18446744073709551615",
                                       "--negative", "blue", "--sampler", "euler", "--karras", "--out", dir.path().string()},
                                      analytic_args(prompt, 9)));
  ASSERT_EQ(j["images"].size(), 1u);
  const std::string path = j["images"][0]["path"];
  const ImageMetadata md = read_image_metadata(path);

  const RunRecord rec = run_record_from_json(md.settings_json);
  EXPECT_EQ(rec.settings.model, "analytic");
  EXPECT_EQ(rec.settings.prompt, prompt);
  EXPECT_EQ(rec.settings.negative_prompt, "blue");
  EXPECT_EQ(rec.settings.seed, 18446744073709551615ull);
  EXPECT_EQ(rec.settings.steps, 9);
  EXPECT_EQ(rec.settings.sampler, SamplerKind::Euler);
  EXPECT_TRUE(rec.settings.karras_sigmas);
  EXPECT_EQ(rec.settings.mode, Mode::Conservative);
  EXPECT_EQ(rec.settings.width, 3);
  EXPECT_EQ(rec.image_width, 128);

  const InfotextParams p = parse_infotext(md.parameters);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(p.settings.prompt, prompt);
  EXPECT_EQ(p.settings.negative_prompt, "blue");
  EXPECT_EQ(p.settings.seed, rec.settings.seed);
  EXPECT_EQ(p.settings.steps, 9);
  EXPECT_EQ(p.settings.sampler, SamplerKind::Euler);
  EXPECT_TRUE(p.settings.karras_sigmas);
  EXPECT_EQ(p.settings.mode, Mode::Conservative);
  EXPECT_EQ(p.settings.width, 3);
  EXPECT_EQ(p.settings.image_width, 128);
  EXPECT_EQ(p.serial_latencies, rec.stats.serial_latencies);

  const auto theirs = regex_params(md.parameters.substr(md.parameters.rfind('\n') + 1));
  EXPECT_EQ(theirs.at("Seed"), "18446744073709551615");
  EXPECT_EQ(theirs.at("Steps"), "9");
  EXPECT_EQ(theirs.at("Sampler"), "Euler");
  EXPECT_EQ(theirs.at("Schedule type"), "Karras");
  EXPECT_EQ(theirs.at("Size"), "128x128");
  EXPECT_EQ(theirs.at("DRiffusion mode"), "conservative");
  EXPECT_EQ(theirs.at("DRiffusion width"), "3");
  EXPECT_EQ(theirs.at("Model"), rec.model_name);
}

TEST(CliGenerate, WarmupStepsRunOnePerLatencyAndAreStored) {
  ScratchDir dir;
  auto run = [&](const std::string& sub, std::vector<std::string> args) {
    const auto j = generate_json(concat(concat(args, {"--out", (dir / sub).string()}), analytic_args("gold", 12)));
    return j["images"][0];
  };
  // Auto: none for DDIM, four for DDPM (settings.h); the stored settings say the number that ran.
  const auto ddim = run("a", {"--mode", "aggressive", "--width", "3"});
  EXPECT_EQ(ddim["settings"]["warmup_steps"], 0);
  EXPECT_EQ(ddim["stats"]["serial_latencies"], aggressive_latencies_formula(12, 3));
  const auto ddpm = run("b", {"--sampler", "ddpm", "--mode", "aggressive", "--width", "3"});
  EXPECT_EQ(ddpm["settings"]["warmup_steps"], 4);
  EXPECT_EQ(ddpm["stats"]["serial_latencies"], aggressive_latencies_formula(12, 3, 4));
  EXPECT_EQ(aggressive_latencies_formula(12, 3, 4), 4 + aggressive_latencies_formula(8, 3));
  const auto three = run("c", {"--mode", "conservative", "--width", "3", "--warmup-steps", "3"});
  EXPECT_EQ(three["settings"]["warmup_steps"], 3);
  EXPECT_EQ(three["stats"]["serial_latencies"], conservative_latencies_formula(12, 3, 3));
  const InfotextParams p = parse_infotext(read_image_metadata(three["path"].get<std::string>()).parameters);
  EXPECT_EQ(p.settings.warmup_steps, 3);

  auto r = cli(concat({"generate", "--mode", "aggressive", "--warmup-steps", "13", "--out", (dir / "d").string()},
                      analytic_args("gold", 12)));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("warm-up steps must be between 0 and the number of steps (12)"), std::string::npos) << r.err;
  r = cli(concat({"generate", "--mode", "aggressive", "--warmup-steps", "soon", "--out", (dir / "d").string()},
                 analytic_args("gold", 12)));
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_NE(r.err.find("--warmup-steps"), std::string::npos) << r.err;
}

TEST(CliGenerate, FromImageReproducesThePixels) {
  ScratchDir dir;
  // DDPM draws fresh noise every step: only the exact settings (seed included) reproduce it.
  const auto first = generate_json(concat({"--sampler", "ddpm", "--mode", "aggressive", "--width", "3", "--out",
                                           (dir / "a").string()},
                                          analytic_args("green", 10)));
  const std::string a = first["images"][0]["path"];
  const std::string seed = first["images"][0]["settings"]["seed"];  // random: none was given
  const auto again = generate_json({"--from-image", a, "--out", (dir / "b").string()});
  ASSERT_EQ(again["images"].size(), 1u);
  const std::string b = again["images"][0]["path"];
  EXPECT_EQ(again["images"][0]["settings"], first["images"][0]["settings"]);
  const RgbImage pa = read_image_rgb8(a), pb = read_image_rgb8(b);
  ASSERT_EQ(pa.width, 128);
  EXPECT_EQ(pa.pixels, pb.pixels);

  // Options given on the command line override the stored ones.
  const auto other = generate_json({"--from-image", a, "--seed", "12345", "--out", (dir / "c").string()});
  EXPECT_EQ(other["images"][0]["settings"]["seed"], "12345");
  EXPECT_EQ(other["images"][0]["settings"]["sampler"], "ddpm");
  EXPECT_NE(read_image_rgb8(other["images"][0]["path"].get<std::string>()).pixels, pa.pixels);
  EXPECT_NE(seed, "12345");
}

TEST(CliGenerate, FromImageReproducesAUNetPipeline) {
  ScratchDir dir;
  const auto first = generate_json({"--model", "random:tiny", "--prompt", "a small test", "--steps", "4", "--mode",
                                    "aggressive", "--width", "2", "--out", (dir / "a").string()});
  const std::string a = first["images"][0]["path"];
  const auto again = generate_json({"--from-image", a, "--out", (dir / "b").string()});
  EXPECT_EQ(read_image_rgb8(a).pixels, read_image_rgb8(again["images"][0]["path"].get<std::string>()).pixels);
}

TEST(CliGenerate, FromImageReadsA1111Infotext) {
  ScratchDir dir;
  // An image from another tool: only the "parameters" text, naming a model but not its file.
  const RgbImage img = test_image(8, 8);
  ImageMetadata md;
  md.parameters = "red\nSteps: 6, Sampler: Euler, CFG scale: 4, Seed: 99, Size: 128x128, Model: analytic-gmm";
  const auto src = dir / ("a1111" + default_ext());
  write_image_file(src, ImageData{img, {}}, default_image_format(), md);
  auto r = cli({"generate", "--from-image", src.string(), "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 2);  // the model file must be named
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
  const auto j = generate_json({"--from-image", src.string(), "--model", "analytic", "--out", (dir / "o").string()});
  EXPECT_EQ(j["images"][0]["settings"]["seed"], "99");
  EXPECT_EQ(j["images"][0]["settings"]["steps"], 6);
  EXPECT_EQ(j["images"][0]["settings"]["sampler"], "euler");
  EXPECT_EQ(j["images"][0]["settings"]["prompt"], "red");

  // A sampler we do not have (the registry has DPM++ 2M, Euler a, UniPC ... since issue 19).
  md.parameters = "red\nSteps: 6, Sampler: LMS, CFG scale: 4, Seed: 99";
  const auto unsupported = dir / ("lms" + default_ext());
  write_image_file(unsupported, ImageData{img, {}}, default_image_format(), md);
  r = cli({"generate", "--from-image", unsupported.string(), "--model", "analytic", "--out", (dir / "o").string()});
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_NE(r.err.find("LMS"), std::string::npos) << r.err;
}

TEST(CliGenerate, CountAndPromptFile) {
  ScratchDir dir;
  auto j = generate_json(concat({"--count", "3", "--seed", "10", "--out", dir.path().string()}, analytic_args("red", 4)));
  ASSERT_EQ(j["images"].size(), 3u);
  const std::string ext = default_ext();
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"00000-10" + ext, "00001-11" + ext, "00002-12" + ext}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(j["images"][i]["settings"]["seed"], std::to_string(10 + i));

  write_bytes(dir / "prompts.txt", "red\n\nblue\r\n   \n");
  const auto out = dir / "batch";
  j = generate_json({"--model", "analytic", "--steps", "4", "--seed", "1", "--prompts", (dir / "prompts.txt").string(),
                     "--out", out.string()});
  ASSERT_EQ(j["images"].size(), 2u);
  EXPECT_EQ(j["images"][0]["settings"]["prompt"], "red");
  EXPECT_EQ(j["images"][1]["settings"]["prompt"], "blue");
  EXPECT_EQ(names_in(out).size(), 2u);
}

TEST(CliGenerate, ExplicitFileNameAndPlainOutput) {
  ScratchDir dir;
  const auto target = dir / ("picture" + default_ext());
  auto r = cli(concat({"generate", "--seed", "3", "--out", target.string()}, analytic_args("blue")));
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_TRUE(std::filesystem::exists(target));
  EXPECT_NE(r.out.find(target.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seed 3"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("step"), std::string::npos) << "no progress lines on stderr: " << r.err;
  const auto before = read_bytes(target);
  r = cli(concat({"generate", "--seed", "4", "--out", target.string()}, analytic_args("blue")));
  EXPECT_EXIT_CODE(r, 3);
  EXPECT_EQ(read_bytes(target), before);

  r = cli(concat({"generate", "--quiet", "--out", (dir / "q").string()}, analytic_args("blue")));
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliGenerate, OtherFormatsCarryMetadata) {
  if (!have_openimageio()) {
    ScratchDir dir;
    // 8-bit PNG may be written by the built-in zlib writer; 16-bit PNG needs OpenImageIO.
    const auto r = cli(concat({"generate", "--format", "png16", "--out", dir.path().string()}, analytic_args("red")));
    EXPECT_EXIT_CODE(r, 2);
    EXPECT_NE(r.err.find("this build has no OpenImageIO: only "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(asked for png16)"), std::string::npos) << r.err;
    EXPECT_TRUE(names_in(dir.path()).empty());
    return;
  }
  ScratchDir dir;
  for (const std::string format : {"png16", "tiff", "tiff16", "exr", "ppm"}) {
    const auto j = generate_json(concat({"--format", format, "--seed", "8", "--out", (dir / format).string()},
                                        analytic_args("gold")));
    const std::string path = j["images"][0]["path"];
    EXPECT_EQ(std::filesystem::path(path).extension(), image_format_extension(parse_image_format(format)));
    const ImageMetadata md = read_image_metadata(path);
    EXPECT_EQ(run_record_from_json(md.settings_json).settings.seed, 8u) << format;
    EXPECT_EQ(parse_infotext(md.parameters).settings.seed, 8u) << format;
    EXPECT_EQ(read_image_rgb8(path).width, 128) << format;
  }
}

TEST(CliGenerate, CtrlCCancelsAndWritesNothing) {
  ScratchDir dir;
  const auto out = dir / "out";
  // The tiny UNet takes milliseconds per step: 1000 steps are still sampling when the signal arrives.
  const auto r = run_process(DRIFFUSION_CLI_PATH,
                             {"generate", "--model", "random:tiny", "--prompt", "red", "--steps", "1000", "--sampler",
                              "ddpm", "--out", out.string()},
                             240, SignalWhen{"step ", SIGINT});
  EXPECT_EXIT_CODE(r, 130);
  EXPECT_NE(r.err.find("cancelled"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("done in"), std::string::npos) << "the run finished before the signal: " << r.err;
  EXPECT_TRUE(names_in(out).empty());  // not even a temporary file
}

// An LCM-distilled model (a folder whose scheduler config names LCMScheduler) gets its own
// sampler, steps and CFG for each that is not typed, and says so; another sampler typed keeps the
// usual steps and CFG, with the engine's warning in the JSON. --from-image keeps stored settings.
TEST(CliGenerate, AnLcmDistilledModelGetsItsSettingsUnlessTyped) {
  ScratchDir dir;
  const LcmDeclaredCopy lcm;
  auto r = cli({"generate", "--json", "--model", lcm.path(), "--prompt", "grinning face", "--seed", "3", "--out",
                (dir / "a").string()});
  EXPECT_EXIT_CODE(r, 0);
  auto j = json_of(r);
  const auto& s = j["images"][0]["settings"];
  EXPECT_EQ(s["sampler"], "lcm");
  EXPECT_EQ(s["steps"], 4);
  EXPECT_EQ(s["guidance"], 1.0);
  EXPECT_TRUE(j["images"][0]["warnings"].empty()) << j["images"][0]["warnings"].dump();
  EXPECT_NE(r.err.find("LCM-distilled"), std::string::npos) << r.err;

  const auto steps = generate_json({"--model", lcm.path(), "--prompt", "grinning face", "--steps", "3", "--out",
                                    (dir / "s").string()});
  EXPECT_EQ(steps["images"][0]["settings"]["sampler"], "lcm");
  EXPECT_EQ(steps["images"][0]["settings"]["steps"], 3);
  EXPECT_EQ(steps["images"][0]["settings"]["guidance"], 1.0);

  const auto typed = generate_json({"--model", lcm.path(), "--prompt", "grinning face", "--sampler", "ddim", "--steps",
                                    "3", "--out", (dir / "b").string()});
  const auto& t = typed["images"][0];
  EXPECT_EQ(t["settings"]["sampler"], "ddim");
  EXPECT_EQ(t["settings"]["steps"], 3);
  EXPECT_EQ(t["settings"]["guidance"], 5.0);
  ASSERT_EQ(t["warnings"].size(), 1u);
  EXPECT_NE(t["warnings"][0].get<std::string>().find("LCM-distilled"), std::string::npos);

  const auto again = generate_json({"--from-image", t["path"].get<std::string>(), "--out", (dir / "c").string()});
  EXPECT_EQ(again["images"][0]["settings"]["sampler"], "ddim");
  EXPECT_EQ(again["images"][0]["settings"]["steps"], 3);
}

// --lora (repeatable, or ';'-separated) merges LoRAs, stores them with the image, and
// --from-image brings them back; a bad file fails with the file named and no image written.
TEST(CliGenerate, LorasAreMergedStoredAndReproduced) {
  ScratchDir dir;
  const std::string good = (dir / "style.safetensors").string(), bad = (dir / "bad.safetensors").string();
  {
    // Factors for the first self-attention query of random:tiny's UNet.
    PipelineRequest r;
    r.source = "random:tiny";
    auto p = load_pipeline(r);
    std::string name;
    torch::Tensor w;
    for (const auto& kv : dynamic_cast<StableDiffusionPipeline&>(*p).modules().unet->named_parameters(true))
      if (name.empty() && kv.key().find("attn1.to_q.weight") != std::string::npos) name = kv.key(), w = kv.value();
    ASSERT_FALSE(name.empty());
    std::string k = "lora_unet_" + name.substr(0, name.size() - 7);
    std::replace(k.begin(), k.end(), '.', '_');
    torch::manual_seed(3);
    write_safetensors(good, {{k + ".lora_down.weight", torch::randn({2, w.size(1)}) * 3},
                             {k + ".lora_up.weight", torch::randn({w.size(0), 2}) * 3}});
    write_safetensors(bad, {{k + ".lora_down.weight", torch::randn({2, w.size(1) + 1})},
                            {k + ".lora_up.weight", torch::randn({w.size(0), 2})}});
  }
  const std::vector<std::string> base{"--model", "random:tiny", "--prompt", "a fox", "--seed", "5", "--steps", "4"};
  const auto plain = generate_json(concat(base, {"--out", (dir / "plain").string()}));
  const auto with = generate_json(concat(base, {"--lora", good + ":0.5", "--lora", good + ":0.5", "--out", (dir / "with").string()}));
  const auto& s = with["images"][0]["settings"];
  ASSERT_EQ(s["loras"].size(), 2u);
  EXPECT_EQ(s["loras"][0]["path"], good);
  EXPECT_EQ(s["loras"][1]["strength"], 0.5);
  const std::string a = with["images"][0]["path"];
  EXPECT_NE(read_image_rgb8(a).pixels, read_image_rgb8(plain["images"][0]["path"].get<std::string>()).pixels);
  // The same two halves written as one ';'-separated value give the same image; --from-image too.
  const auto joined = generate_json(concat(base, {"--lora", good + ":0.5;" + good + ":0.5", "--out", (dir / "j").string()}));
  EXPECT_EQ(read_image_rgb8(joined["images"][0]["path"].get<std::string>()).pixels, read_image_rgb8(a).pixels);
  const auto again = generate_json({"--from-image", a, "--out", (dir / "again").string()});
  EXPECT_EQ(again["images"][0]["settings"]["loras"], s["loras"]);
  EXPECT_EQ(read_image_rgb8(again["images"][0]["path"].get<std::string>()).pixels, read_image_rgb8(a).pixels);
  // --lora "" removes the stored ones.
  const auto none = generate_json({"--from-image", a, "--lora", "", "--out", (dir / "none").string()});
  EXPECT_FALSE(none["images"][0]["settings"].contains("loras"));

  const auto r = cli(concat({"generate", "--json"}, concat(base, {"--lora", bad, "--out", (dir / "bad").string()})));
  EXPECT_NE(r.exit_code, 0);
  const std::string said = r.out + r.err;
  EXPECT_NE(said.find(bad), std::string::npos) << said;
  EXPECT_NE(said.find("do not make the weight's shape"), std::string::npos) << said;
  EXPECT_TRUE(!std::filesystem::exists(dir / "bad") || std::filesystem::is_empty(dir / "bad"));
}
