#include "app/studio/screenshot_driver.h"

#include <QApplication>
#include <QPixmap>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>

#include "ui/compare_view.h"
#include "ui/history_view.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/message_banner.h"

namespace drf::studio {

ScreenshotDriver::ScreenshotDriver(ui::MainWindow* window, const QStringList& files, int compareSeeds, QObject* parent)
    : QObject(parent), window_(window), files_(files), compare_seeds_(compareSeeds) {
  connect(window_, &ui::MainWindow::previewUpdated, this, &ScreenshotDriver::onPreview);
  connect(window_, &ui::MainWindow::generationShown, this, &ScreenshotDriver::onGenerationShown);
  connect(window_, &ui::MainWindow::comparisonShown, this, &ScreenshotDriver::onComparisonShown);
  connect(window_, &ui::MainWindow::jobEndedShown, this, &ScreenshotDriver::onJobEnded);
  // A stuck run must not hang the script.
  QTimer::singleShot(10 * 60 * 1000, this, [this] { finish(1, QStringLiteral("timed out")); });
}

void ScreenshotDriver::start() {
  generate_job_ = window_->generate();
  if (!generate_job_) finish(1, QStringLiteral("the generation did not start (see the message in the window)"));
}

void ScreenshotDriver::onPreview(int round, int roundsTotal) {
  // Halfway through: the preview, drafts, progress and timeline all show a run in progress.
  if (grabbed_main_ || window_->runner()->currentJob().id != generate_job_) return;
  if (round < std::max(1, (roundsTotal + 1) / 2)) return;
  grabbed_main_ = true;
  if (!grabTo(files_.at(0))) finish(1, QStringLiteral("no screenshot written to ") + files_.at(0));
}

void ScreenshotDriver::onGenerationShown(int jobId) {
  if (jobId != generate_job_) return;
  generated_ = true;
  if (!grabbed_main_) {  // a run of a single round: grab the finished window instead
    grabbed_main_ = true;
    if (!grabTo(files_.at(0))) finish(1, QStringLiteral("no screenshot written to ") + files_.at(0));
  }
}

void ScreenshotDriver::startComparison() {
  if (files_.size() < 2) return finish(0, QString());
  window_->compareView()->setSeedCount(compare_seeds_);
  window_->showCompareTab();
  compare_job_ = window_->compare();
  if (!compare_job_) finish(1, QStringLiteral("the comparison did not start (see the message in the window)"));
}

void ScreenshotDriver::onComparisonShown(int jobId) {
  if (jobId == compare_job_) window_->compareView()->setHeatmapVisible(true);
}

void ScreenshotDriver::onJobEnded(int jobId) {
  // Finished jobs were shown before they end; one that ends without its result failed.
  if (jobId == generate_job_) {
    if (!generated_) return finish(1, QStringLiteral("the generation failed"));
    startComparison();  // now the runner is idle, so the comparison starts at once
  } else if (jobId == compare_job_) {
    // Grabbed once the job has ended, so the queue and buttons show the idle window.
    if (!window_->compareView()->comparison()) return finish(1, QStringLiteral("the comparison failed"));
    if (files_.size() >= 3) {
      if (!grabTo(files_.at(1))) return finish(1, QStringLiteral("no screenshot written to ") + files_.at(1));
      // The History tab with the newest result selected: the gallery, the large image, its details.
      window_->findChild<QTabWidget*>(QStringLiteral("mainTabs"))->setCurrentWidget(window_->historyView());
      window_->historyView()->selectRow(0);
      return finish(grabTo(files_.at(2)) ? 0 : 1, QStringLiteral("no screenshot written to ") + files_.at(2));
    }
    finish(grabTo(files_.at(1)) ? 0 : 1, QStringLiteral("no screenshot written to ") + files_.at(1));
  }
}

bool ScreenshotDriver::grabTo(const QString& file) {
  // A screenshot is what a visitor sees first: never one of a window that shows a warning or an
  // error (a model that did not load, a fallback model, a failed job).
  const ui::MessageBanner* banner = window_->banner();
  if (banner && banner->isVisible() && banner->level() != ui::MessageBanner::Level::Info) {
    std::fprintf(stderr, "screenshot refused: the window shows a message: %s\n", qPrintable(banner->text()));
    return false;
  }
  // Only pending layout work: processing other events here would run the rest of the job
  // (queued rounds, the result) before the grab.
  QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
  const bool ok = window_->grab().save(file, "PNG");
  std::printf("screenshot %s: %s\n", ok ? "saved" : "FAILED", qPrintable(file));
  std::fflush(stdout);
  return ok;
}

void ScreenshotDriver::finish(int code, const QString& message) {
  if (code != 0) std::fprintf(stderr, "driffusion-studio --screenshot: %s\n", qPrintable(message));
  QApplication::exit(code);
}

}  // namespace drf::studio
