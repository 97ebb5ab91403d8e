// What a user does with a finished image: copy it or its settings (Edit menu, Ctrl+C, the
// image's context menu), zoom (fit, 1:1, steps) and pan it; the job's progress shows in the
// window title and the status bar, also when the Generate tab is not on screen; Help lists the
// keyboard shortcuts; small images are also saved enlarged for viewing.
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QTabWidget>
#include <QTest>
#include <QUrl>
#include <memory>

#include "core/image/image_file.h"
#include "gui_test_support.h"
#include "ui/history_model.h"
#include "ui/history_view.h"
#include "ui/preview_view.h"
#include "ui/progress_panel.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

class WindowImagesTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void copyImageAndSettings() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QCOMPARE(w.currentImageRow(), -1);
    setSteps(w, 6);
    setSeed(w, 31);
    typePrompt(w, QStringLiteral("a blue sky"));
    QVERIFY(generateAndWait(w) > 0);
    QCOMPARE(w.currentImageRow(), 0);
    QApplication::clipboard()->clear();
    // Ctrl+C outside a text field copies the image.
    w.livePreview()->setFocus();
    QTest::keyClick(w.livePreview(), Qt::Key_C, Qt::ControlModifier);
    const QImage copied = QApplication::clipboard()->image();
    QCOMPARE(copied.size(), QSize(128, 128));
    QCOMPARE(copied.convertToFormat(QImage::Format_RGB888), w.history()->entryAt(0).outcome->image.convertToFormat(QImage::Format_RGB888));
    w.copySettings(0);
    const QString text = QApplication::clipboard()->text();
    QVERIFY2(text.startsWith(QStringLiteral("a blue sky")) && text.contains(QStringLiteral("Seed: 31")), qPrintable(text));
    // Dragging the image out carries the pixels and the saved file.
    std::unique_ptr<QMimeData> drag(w.livePreview()->dragData());
    QVERIFY(drag && drag->hasImage());
    QCOMPARE(drag->urls().value(0).toLocalFile(), w.history()->entryAt(0).saved_path);
    // Both image views offer the context menu.
    QCOMPARE(w.livePreview()->contextMenuPolicy(), Qt::CustomContextMenu);
    QCOMPARE(w.historyView()->preview()->contextMenuPolicy(), Qt::CustomContextMenu);
  }

  void smallImagesAreAlsoSavedEnlargedForViewing() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY(w.saveUpscaledCopies());  // on by default
    setSteps(w, 4);
    setSeed(w, 5);
    typePrompt(w, QStringLiteral("a red square"));
    QVERIFY(generateAndWait(w) > 0);
    const HistoryEntry& e = w.history()->entryAt(0);
    const RgbImage& small = e.outcome->result.image;
    QCOMPARE(small.width, 128);  // the analytic model: below kSmallImageSide
    // The automatic copy: <output>/upscaled/<name>-4x.png, every pixel a 4x4 block.
    const QString copy = QDir(w.outputFolder())
                             .filePath(QStringLiteral("upscaled/%1-4x.png").arg(QFileInfo(e.saved_path).completeBaseName()));
    QVERIFY2(QFileInfo::exists(copy), qPrintable(copy));
    const RgbImage big = read_image_rgb8(copy.toStdString());
    QCOMPARE(big.width, 4 * small.width);
    QCOMPARE(big.height, 4 * small.height);
    for (int y = 0; y < big.height; y += 7)
      for (int x = 0; x < big.width; x += 5)
        for (int c = 0; c < 3; ++c)
          QCOMPARE(big.pixels[(static_cast<std::size_t>(y) * big.width + x) * 3 + c],
                   small.pixels[(static_cast<std::size_t>(y / 4) * small.width + x / 4) * 3 + c]);
    // Its settings are those of the generated image (restoring it makes the 128x128 image again).
    const ImageMetadata md = read_image_metadata(copy.toStdString());
    QVERIFY2(QString::fromStdString(md.parameters).contains(QStringLiteral("Seed: 5")), md.parameters.c_str());
    // The copies stay out of the output folder's gallery: only the original is found there.
    QCOMPARE(w.loadOutputFolderImages(), 0);
    // Save enlarged... (File menu, context menu) writes any chosen path.
    const QString chosen = QDir(w.outputFolder()).filePath(QStringLiteral("chosen.png"));
    QVERIFY(w.saveHistoryEntryUpscaledAs(0, chosen));
    QCOMPARE(read_image_rgb8(chosen.toStdString()).width, 4 * small.width);
    // The app setting turns the automatic copy off, and is remembered.
    w.setSaveUpscaledCopies(false);
    QVERIFY(!w.saveUpscaledCopies());
    QVERIFY(generateAndWait(w) > 0);
    const QString second = QDir(w.outputFolder())
                               .filePath(QStringLiteral("upscaled/%1-4x.png")
                                             .arg(QFileInfo(w.history()->entryAt(0).saved_path).completeBaseName()));
    QVERIFY(!QFileInfo::exists(second));
    auto reopened = reopenWindow(*f);
    QVERIFY(!reopened->saveUpscaledCopies());
  }

  void progressShowsInTheTitleAndStatusBar() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    setSteps(w, 20);
    setMode(w, QStringLiteral("Sequential"));
    w.findChild<QTabWidget*>(QStringLiteral("mainTabs"))->setCurrentIndex(2);  // History on screen
    QStringList titles, status;
    auto* label = w.findChild<QLabel*>(QStringLiteral("statusProgress"));
    connect(&w, &MainWindow::previewUpdated, &w, [&] {
      titles << w.windowTitle();
      status << label->text();
    });
    QVERIFY(generateAndWait(w) > 0);
    QVERIFY(!titles.isEmpty());
    QVERIFY2(titles.last().startsWith(QStringLiteral("100%")) || titles.last().contains(QStringLiteral("%")),
             qPrintable(titles.last()));
    QVERIFY2(titles.first().contains(QStringLiteral("5%")), qPrintable(titles.first()));  // step 1 of 20
    QVERIFY(status.first().contains(QStringLiteral("5%")));
    QCOMPARE(w.windowTitle(), QStringLiteral("DRiffusion Studio"));
    QVERIFY(label->text().isEmpty());
  }

  void zoomFitActualSizeAndPan() {
    PreviewView view;
    view.resize(600, 400);
    view.show();
    QImage image(64, 64, QImage::Format_RGB888);
    image.fill(Qt::red);
    view.setImage(image);
    QCOMPARE(view.zoom(), 0.0);
    QVERIFY(view.effectiveScale() > 5);  // a small image is enlarged to fit
    view.setFocus();
    QTest::keyClick(&view, Qt::Key_1);
    QCOMPARE(view.effectiveScale(), 1.0);
    QCOMPARE(view.imageRect().size(), QSize(64, 64));
    QTest::keyClick(&view, Qt::Key_Plus);
    QCOMPARE(view.effectiveScale(), 1.25);
    QTest::keyClick(&view, Qt::Key_Minus);
    QCOMPARE(view.effectiveScale(), 1.0);
    // Drag to pan a zoomed image.
    view.setZoom(8);
    const QRect before = view.imageRect();
    QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(300, 200));
    QTest::mouseMove(&view, QPoint(340, 230));
    QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(340, 230));
    QCOMPARE(view.imageRect().topLeft() - before.topLeft(), QPoint(40, 30));
    QTest::keyClick(&view, Qt::Key_0);
    QCOMPARE(view.zoom(), 0.0);
    QVERIFY(view.rect().contains(view.imageRect()));
  }

  void timeLeftUsesTheRateAfterTheFirstRound() {
    ProgressPanel panel;
    panel.start(QStringLiteral("Generate"));
    JobProgress p;
    p.kind = JobEventKind::RoundDone;
    p.steps_total = 10;
    p.latencies_total = 10;
    p.rounds_total = 10;
    // Round 1 ends after loading, text encoding and a slow first call: 3 s for one latency.
    p.round = 1;
    p.steps_done = 1;
    p.latencies_done = 1;
    p.elapsed_ms = 3000;
    panel.update(p);
    QVERIFY2(panel.statusText().contains(QStringLiteral("~? left")), qPrintable(panel.statusText()));
    // Then 0.5 s per latency: 8 to go is 4 s, not the 12 s the average since the start gives.
    p.round = 2;
    p.steps_done = 2;
    p.latencies_done = 2;
    p.elapsed_ms = 3500;
    panel.update(p);
    QVERIFY2(panel.statusText().contains(QStringLiteral("~4.0 s left")), qPrintable(panel.statusText()));
    QCOMPARE(panel.percent(), 20);
  }

  void helpListsTheShortcuts() {
    auto f = openWindow();
    QVERIFY(f);
    const QString text = f->window->shortcutsText();
    for (const char* expected : {"Ctrl+Return", "Esc", "Ctrl+S", "Ctrl+C", "Generate", "Cancel", "Save image as"})
      QVERIFY2(text.contains(QLatin1String(expected)), qPrintable(expected + QStringLiteral(" missing from:\n") + text));
  }
};

QTEST_MAIN(WindowImagesTest)
#include "test_window_images.moc"
