// Jobs of the new families through the window: an SDXL job with a refiner and user-set size,
// crop and aesthetic conditioning writes them into its PNG and dropping that PNG restores them;
// an SD3 job shows its 16-channel latents as previews (refined state and drafts) while it runs.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QUrl>

#include "core/image/image_file.h"
#include "gui_test_support.h"
#include "ui/draft_strip.h"
#include "ui/history_model.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"
#include "ui/preview_view.h"
#include "ui/sdxl_panel.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

namespace {

bool selectModel(MainWindow& w, const QString& source) {
  if (w.modelPicker()->currentSource() == source) return true;
  w.modelPicker()->setCurrentSource(source);
  return waitForModel(w, source, true, 60000);
}

template <typename T>
T* child(MainWindow& w, const char* name) {
  return w.findChild<T*>(QString::fromLatin1(name));
}

// Distinct colours of an image: a preview of real latents is not one flat colour.
int distinctColours(const QImage& image) {
  QSet<QRgb> colours;
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < rgb.height(); ++y)
    for (int x = 0; x < rgb.width(); ++x) colours.insert(rgb.pixel(x, y));
  return colours.size();
}

}  // namespace

class WindowFamilyJobsTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void sdxlJobWithRefinerRoundTripsThroughItsPng() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY(selectModel(w, QStringLiteral("random:sdxl-tiny")));
    typePrompt(w, QStringLiteral("a lighthouse at dusk"));
    setSteps(w, 4);
    setSeed(w, 77);
    w.sdxlPanel()->setRefiner(QStringLiteral("random:sdxl-refiner-tiny"));
    child<QDoubleSpinBox>(w, "refinerSwitchSpin")->setValue(0.5);
    child<QCheckBox>(w, "originalFollowCheck")->setChecked(false);
    child<QSpinBox>(w, "originalWidthSpin")->setValue(512);
    child<QSpinBox>(w, "originalHeightSpin")->setValue(384);
    child<QSpinBox>(w, "cropLeftSpin")->setValue(8);
    child<QSpinBox>(w, "cropTopSpin")->setValue(16);
    child<QCheckBox>(w, "targetFollowCheck")->setChecked(false);
    child<QSpinBox>(w, "targetWidthSpin")->setValue(256);
    child<QSpinBox>(w, "targetHeightSpin")->setValue(192);
    child<QDoubleSpinBox>(w, "aestheticScoreSpin")->setValue(7.0);
    child<QDoubleSpinBox>(w, "negativeAestheticScoreSpin")->setValue(2.0);
    QVERIFY(generateAndWait(w, 120000) > 0);
    QVERIFY2(w.history()->rowCount() == 1, qPrintable(w.banner()->text()));
    const GenerationSettings& done = w.history()->entryAt(0).outcome->result.settings;
    QCOMPARE(done.refiner, std::string("random:sdxl-refiner-tiny"));
    QCOMPARE(done.refiner_switch, 0.5);
    QCOMPARE(done.original_width, 512);
    QCOMPARE(done.crop_top, 16);
    QCOMPARE(done.target_height, 192);
    QCOMPARE(done.aesthetic_score, 7.0);
    const QString png = w.history()->index(0).data(HistoryModel::SavedPathRole).toString();
    const ImageMetadata meta = read_image_metadata(std::filesystem::path(png.toStdString()));
    // A value with a colon is quoted, as AUTOMATIC1111 writes it.
    for (const char* field : {"Refiner: \"random:sdxl-refiner-tiny\"", "Refiner switch at: 0.5", "Original size: 512x384",
                              "Crop: 8x16", "Target size: 256x192", "Aesthetic score: 7", "Negative aesthetic score: 2"})
      QVERIFY2(QString::fromStdString(meta.parameters).contains(QString::fromLatin1(field)),
               qPrintable(QString::fromLatin1(field) + QStringLiteral(" not in: ") + QString::fromStdString(meta.parameters)));

    // Back to the defaults on another model, then the PNG brings model and fields back.
    w.sdxlPanel()->load(GenerationSettings{});
    QVERIFY(selectModel(w, QStringLiteral("random:tiny")));
    QVERIFY(dropFile(&w, png));
    QCOMPARE(w.modelPicker()->currentSource(), QStringLiteral("random:sdxl-tiny"));
    QVERIFY(waitForModel(w, QStringLiteral("random:sdxl-tiny"), true, 60000));
    const GenerationSettings again = w.collectSettings();
    QCOMPARE(again.refiner, done.refiner);
    QCOMPARE(again.refiner_switch, done.refiner_switch);
    QCOMPARE(again.original_width, 512);
    QCOMPARE(again.original_height, 384);
    QCOMPARE(again.crop_left, 8);
    QCOMPARE(again.crop_top, 16);
    QCOMPARE(again.target_width, 256);
    QCOMPARE(again.target_height, 192);
    QCOMPARE(again.aesthetic_score, 7.0);
    QCOMPARE(again.negative_aesthetic_score, 2.0);
    QCOMPARE(again.seed, done.seed);
  }

  void sd3ShowsItsLatentsWhileGenerating() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY(selectModel(w, QStringLiteral("random:sd3-tiny")));
    typePrompt(w, QStringLiteral("a red cube"));
    setSteps(w, 6);
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 2);
    QList<QImage> previews;
    int drafts = 0;
    connect(&w, &MainWindow::previewUpdated, &w, [&] {
      previews << w.livePreview()->image();
      drafts = std::max(drafts, w.draftStrip()->draftCount());
    });
    QVERIFY(generateAndWait(w, 120000) > 0);
    QVERIFY2(w.history()->rowCount() == 1, qPrintable(w.banner()->text()));
    QVERIFY(previews.size() >= 2);  // one per round: 6 steps at width 2 take several rounds
    for (const QImage& p : previews) {
      QVERIFY(!p.isNull());
      QVERIFY2(distinctColours(p) > 16, "a flat preview: the 16-channel latents were not mapped to colours");
    }
    QVERIFY(drafts >= 1);
  }
};

QTEST_MAIN(WindowFamilyJobsTest)
#include "test_window_family_jobs.moc"
