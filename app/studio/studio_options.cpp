#include "app/studio/studio_options.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <cstdio>

#include "core/util/build_info.h"

namespace drf::studio {
namespace {

bool parseNumber(const QString& text, const char* name, int min, int max, std::optional<int>& out) {
  bool ok = false;
  const int v = text.toInt(&ok);
  if (!ok || v < min || v > max) {
    std::fprintf(stderr, "driffusion-studio: --%s must be a whole number from %d to %d, got '%s'\n", name, min, max,
                 qPrintable(text));
    return false;
  }
  out = v;
  return true;
}

}  // namespace

std::optional<StudioOptions> parseStudioOptions(const QCoreApplication& app, int& exitCode) {
  QCommandLineParser p;
  p.setApplicationDescription(QStringLiteral(
      "DRiffusion Studio: text-to-image generation with DRiffusion draft-and-refine parallel sampling."));
  const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
  const QCommandLineOption version(QStringLiteral("version"), QStringLiteral("Show the version and build facts."));
  const QCommandLineOption model(QStringLiteral("model"),
                                 QStringLiteral("Model: builtin, analytic, random:sd15, a diffusers folder or a .safetensors file."),
                                 QStringLiteral("M"));
  const QCommandLineOption prompt(QStringLiteral("prompt"), QStringLiteral("Prompt text."), QStringLiteral("P"));
  const QCommandLineOption negative(QStringLiteral("negative"), QStringLiteral("Negative prompt text."), QStringLiteral("N"));
  const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Fixed seed."), QStringLiteral("S"));
  const QCommandLineOption steps(QStringLiteral("steps"), QStringLiteral("Sampling steps."), QStringLiteral("K"));
  const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("sequential, conservative or aggressive."),
                                QStringLiteral("MODE"));
  const QCommandLineOption width(QStringLiteral("width"), QStringLiteral("DRiffusion width n (drafts per round)."),
                                 QStringLiteral("n"));
  const QCommandLineOption generate(QStringLiteral("generate"), QStringLiteral("Start generating at once."));
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("Generate, save a PNG of the window mid-generation to the first FILE, then (with a second "
                     "FILE, or FILE1,FILE2) run a comparison and save the comparison view, (with a third) the History tab; then quit."),
      QStringLiteral("FILE"));
  const QCommandLineOption seeds(QStringLiteral("compare-seeds"), QStringLiteral("Seeds per comparison."),
                                 QStringLiteral("C"));
  const QCommandLineOption settings(QStringLiteral("settings-file"),
                                    QStringLiteral("Keep settings in this INI file instead of the user's settings."),
                                    QStringLiteral("INI"));
  const QCommandLineOption output(QStringLiteral("output"), QStringLiteral("Output folder for results."),
                                  QStringLiteral("DIR"));
  p.addOptions({help, version, model, prompt, negative, seed, steps, mode, width, generate, screenshot, seeds, settings,
                output});
  if (!p.parse(app.arguments())) {
    std::fprintf(stderr, "driffusion-studio: %s (see --help)\n", qPrintable(p.errorText()));
    exitCode = 2;
    return std::nullopt;
  }
  if (p.isSet(help)) {
    std::printf("%s", qPrintable(p.helpText()));
    exitCode = 0;
    return std::nullopt;
  }
  if (p.isSet(version)) {
    std::printf("driffusion-studio %s (LibTorch %s, Qt %s, CUDA %s, OpenImageIO %s)\n", build::kVersion,
                build::kTorchVersion, qVersion(), build::kHaveCuda ? "yes" : "no", build::kHaveOiio ? "yes" : "no");
    exitCode = 0;
    return std::nullopt;
  }
  if (!p.positionalArguments().isEmpty()) {
    std::fprintf(stderr, "driffusion-studio: unexpected argument '%s' (see --help)\n",
                 qPrintable(p.positionalArguments().first()));
    exitCode = 2;
    return std::nullopt;
  }
  StudioOptions o;
  exitCode = 2;
  o.model = p.value(model);
  o.prompt = p.value(prompt);
  o.negative = p.value(negative);
  o.mode = p.value(mode).toLower();
  o.generate = p.isSet(generate);
  o.settings_file = p.value(settings);
  o.output_folder = p.value(output);
  for (const QString& v : p.values(screenshot)) o.screenshots += v.split(QLatin1Char(','), Qt::SkipEmptyParts);
  if (o.screenshots.size() > 3) {
    std::fprintf(stderr, "driffusion-studio: --screenshot takes at most three files\n");
    return std::nullopt;
  }
  if (!o.mode.isEmpty() && o.mode != QLatin1String("sequential") && o.mode != QLatin1String("conservative") &&
      o.mode != QLatin1String("aggressive")) {
    std::fprintf(stderr, "driffusion-studio: --mode must be sequential, conservative or aggressive, got '%s'\n",
                 qPrintable(o.mode));
    return std::nullopt;
  }
  if (p.isSet(seed)) {
    bool ok = false;
    o.seed = p.value(seed).toULongLong(&ok);
    if (!ok) {
      std::fprintf(stderr, "driffusion-studio: --seed must be a non-negative whole number, got '%s'\n",
                   qPrintable(p.value(seed)));
      return std::nullopt;
    }
  }
  if (p.isSet(steps) && !parseNumber(p.value(steps), "steps", 1, 1000, o.steps)) return std::nullopt;
  if (p.isSet(width) && !parseNumber(p.value(width), "width", 1, 64, o.width)) return std::nullopt;
  if (p.isSet(seeds) && !parseNumber(p.value(seeds), "compare-seeds", 1, 32, o.compare_seeds)) return std::nullopt;
  exitCode = 0;
  return o;
}

}  // namespace drf::studio
