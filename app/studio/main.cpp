// driffusion-studio: the desktop application of DRiffusion Studio.
#include <QApplication>
#include <QTimer>
#include <cstring>
#include <memory>

#include "app/studio/gpu_backend.h"
#include "app/studio/screenshot_driver.h"
#include "app/studio/studio_options.h"
#include "core/engine/settings.h"
#include "core/util/build_info.h"
#include "core/util/log.h"
#include "core/util/openmp_wait_policy.h"
#include "ui/compare_view.h"
#include "ui/main_window.h"
#include "ui/model_picker.h"
#include "ui/parallelism_panel.h"
#include "ui/prompt_panel.h"
#include "ui/sampling_panel.h"
#include "ui/seed_editor.h"

namespace {

using drf::ui::MainWindow;

// Applies the command-line parameters on top of the restored session.
void applyOptions(MainWindow& w, const drf::studio::StudioOptions& o) {
  if (!o.model.isEmpty()) w.modelPicker()->setCurrentSource(o.model);
  if (!o.prompt.isEmpty()) w.promptPanel()->setPrompt(o.prompt);
  if (!o.negative.isEmpty()) w.promptPanel()->setNegativePrompt(o.negative);
  if (o.seed || o.steps || o.width || !o.mode.isEmpty()) {
    drf::GenerationSettings s = w.collectSettings();
    if (o.seed) s.seed = *o.seed;
    if (o.steps) s.steps = *o.steps;
    if (!o.mode.isEmpty()) s.mode = drf::parse_mode(o.mode.toStdString());
    if (o.width) s.width = *o.width;
    w.applySettings(s, false);
    if (!o.seed) w.samplingPanel()->seedEditor()->setRandom(true);
  }
  if (o.compare_seeds) w.compareView()->setSeedCount(*o.compare_seeds);
}

// Calls `start` once the selected model has been checked by the engine (the built-in model may
// be missing, in which case the window switches to the analytic model first).
void whenModelReady(MainWindow& w, std::function<void()> start) {
  auto started = std::make_shared<bool>(false);
  QObject::connect(&w, &MainWindow::modelStatusChanged, &w, [&w, started, start](const QString& source, bool ok) {
    if (*started || source != w.modelPicker()->currentSource()) return;
    if (!ok && source == drf::ui::ModelPicker::kBuiltin) return;  // the window falls back to another model
    *started = true;
    start();  // with a model that failed, the job fails and the window explains why
  });
}

bool wantsHelpOrVersion(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--version"))
      return true;
  return false;
}

}  // namespace

// Before any library's initialiser: libgomp must start with OMP_WAIT_POLICY set
// (core/util/openmp_wait_policy.h).
__attribute__((section(".preinit_array"), used)) static void (*const passive_openmp)(int, char**, char**) =
    &drf::reexec_with_passive_openmp;

int main(int argc, char** argv) {
  // Before Qt or LibTorch start threads: OpenMP workers sleep rather than spin on a shared CPU
  // (re-executes now should the early re-exec above have failed; core/util/openmp_wait_policy.h).
  drf::ensure_passive_openmp_wait(argv);
  int exitCode = 0;
  if (wantsHelpOrVersion(argc, argv)) {
    // Without a display: a core application is enough to print help or version.
    QCoreApplication plain(argc, argv);
    drf::studio::parseStudioOptions(plain, exitCode);
    return exitCode;
  }
  QApplication app(argc, argv);  // takes Qt's own options (-platform, -style, ...) out of argv
  QCoreApplication::setOrganizationName(QStringLiteral("DRiffusion"));
  QCoreApplication::setApplicationName(QStringLiteral("DRiffusion Studio"));
  QCoreApplication::setApplicationVersion(QLatin1String(drf::build::kVersion));
  QGuiApplication::setDesktopFileName(QStringLiteral("driffusion-studio"));

  const auto options = drf::studio::parseStudioOptions(app, exitCode);
  if (!options) return exitCode;

  drf::studio::registerGpuBackend();
  drf::set_log_level(spdlog::level::info);

  drf::ui::MainWindowOptions windowOptions;
  windowOptions.settings_file = options->settings_file;
  windowOptions.output_folder = options->output_folder;
  MainWindow window(windowOptions);
  applyOptions(window, *options);
  std::unique_ptr<drf::studio::ScreenshotDriver> driver;
  if (!options->screenshots.isEmpty()) {
    window.resize(1440, 900);
    driver = std::make_unique<drf::studio::ScreenshotDriver>(&window, options->screenshots,
                                                             options->compare_seeds.value_or(3));
    whenModelReady(window, [&driver] { driver->start(); });
  } else if (options->generate) {
    whenModelReady(window, [&window] { window.generate(); });
  }
  window.show();
  return app.exec();
}
