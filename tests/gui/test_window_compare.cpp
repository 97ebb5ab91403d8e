// Compare in the real window: sequential against the chosen DRiffusion configuration with the
// same seed, over two seeds; both images, speedups, PSNR/SSIM, the heat map toggle, the
// results table, the files in the output folder and the history entries.
#include <QCheckBox>
#include <QDir>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTest>
#include <cmath>

#include "gui_test_support.h"
#include "ui/compare_view.h"
#include "ui/message_banner.h"
#include "ui/progress_panel.h"
#include "ui/history_model.h"
#include "ui/preview_view.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

class WindowCompareTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void compareOverTwoSeeds() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    typePrompt(w, QStringLiteral("red and green"));
    setSteps(w, 30);
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 3);
    setSeed(w, 100);
    w.findChild<QSpinBox*>(QStringLiteral("compareSeedsSpin"))->setValue(2);

    QSignalSpy shown(&w, &MainWindow::comparisonShown);
    QTest::keyClick(&w, Qt::Key_Return, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY2(shown.wait(30000), qPrintable(w.banner()->text() + QStringLiteral(" / ") + w.progressPanel()->statusText()));

    CompareView* view = w.compareView();
    QVERIFY(view->isVisible());  // the window switched to the Compare tab
    const ComparisonPtr c = view->comparison();
    QVERIFY(c);
    QCOMPARE(c->rows.size(), std::size_t(2));
    for (std::size_t k = 0; k < 2; ++k) {
      const ComparisonRow& row = c->rows[k];
      QCOMPARE(row.seed, std::uint64_t(100 + k));
      QCOMPARE(row.sequential.result.settings.mode, Mode::Sequential);
      QCOMPARE(row.parallel.result.settings.mode, Mode::Aggressive);
      QCOMPARE(row.sequential.result.stats.serial_latencies, 30);
      QCOMPARE(row.parallel.result.stats.serial_latencies, 11);  // 1 + 10 rounds
      QVERIFY(row.psnr > 10);                                    // same seed: close images
      QVERIFY(row.ssim > 0.3 && row.ssim <= 1.0);
      QCOMPARE(row.heatmap.size(), QSize(128, 128));
      QVERIFY(QFileInfo::exists(row.sequential_path));
      QVERIFY(QFileInfo::exists(row.parallel_path));
      QVERIFY(QFileInfo::exists(row.heatmap_path));
    }
    QVERIFY(view->metricsText().contains(QStringLiteral("PSNR")));
    QVERIFY(view->metricsText().contains(QStringLiteral("SSIM")));
    auto* seqView = w.findChild<PreviewView*>(QStringLiteral("compareSequentialView"));
    auto* parView = w.findChild<PreviewView*>(QStringLiteral("compareParallelView"));
    QCOMPARE(seqView->image().size(), QSize(128, 128));
    QVERIFY(seqView->caption().contains(QStringLiteral("Sequential")));
    QVERIFY(parView->caption().contains(QStringLiteral("aggressive, width 3")));

    auto* table = w.findChild<QTableWidget*>(QStringLiteral("compareTable"));
    QCOMPARE(table->rowCount(), 3);  // two seeds and the mean
    QCOMPARE(table->item(1, 0)->text(), QStringLiteral("101"));
    QCOMPARE(table->item(2, 0)->text(), QStringLiteral("mean"));
    QVERIFY2(view->statusText().contains(QStringLiteral("seed 100")), qPrintable(view->statusText()));
    table->setCurrentCell(1, 0);  // shows the second seed
    QVERIFY(view->metricsText().startsWith(QStringLiteral("Seed 101")));
    // The header line names the seed on screen too.
    QVERIFY2(view->statusText().contains(QStringLiteral("seed 101")), qPrintable(view->statusText()));

    auto* heat = w.findChild<PreviewView*>(QStringLiteral("compareHeatmapView"));
    QVERIFY(!heat->isVisible());
    w.findChild<QCheckBox*>(QStringLiteral("heatmapCheck"))->setChecked(true);
    QVERIFY(heat->isVisible());
    QCOMPARE(heat->image().size(), QSize(128, 128));

    QCOMPARE(w.history()->rowCount(), 4);  // both images of both seeds
    QCOMPARE(QDir(QDir(f->outputFolder()).filePath(QStringLiteral("compare"))).entryList(QDir::Files).size(), 6);
  }

  void compareNeedsADriffusionMode() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    setMode(w, QStringLiteral("Sequential"));
    QSignalSpy ended(&w, &MainWindow::jobEndedShown);
    w.compare();
    QVERIFY(!ended.wait(300));
    QVERIFY(w.banner()->text().contains(QStringLiteral("Conservative or Aggressive")));
  }
};

QTEST_MAIN(WindowCompareTest)
#include "test_window_compare.moc"
