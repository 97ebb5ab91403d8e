// The settings a user types or scrolls over: the wheel changes a spin box only when it has the
// focus; the size fields show the selected model's own size and follow the engine's one size
// rule; a size that cannot fit in memory is refused with a sentence; on a CPU the defaults are
// the sequential sampler and the panel says why drafts cannot gain there.
#include <QAbstractButton>
#include <QApplication>
#include <QPlainTextEdit>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QTest>
#include <QWheelEvent>

#include "core/engine/engine.h"
#include "core/engine/settings.h"
#include "core/sampling/fidelity_table.h"
#include "gui_test_support.h"
#include "ui/history_model.h"
#include "ui/log_view.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"
#include "ui/parallelism_panel.h"
#include "ui/size_spin_box.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

namespace {

// One notch of the wheel over the middle of `w`, delivered like the platform would.
void turnWheel(QWidget* w, int notches) {
  const QPointF pos = QRectF(w->rect()).center();
  QWheelEvent wheel(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, 120 * notches), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(w, &wheel);
}

bool cpuOnly() {
  for (const DeviceInfo& d : Engine::devices())
    if (d.index >= 0) return false;
  return true;
}

}  // namespace

class WindowInputsTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void wheelChangesOnlyAFocusedSpinBox() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    auto* guidance = w.findChild<QDoubleSpinBox*>(QStringLiteral("guidanceSpin"));
    auto* width = w.findChild<QSpinBox*>(QStringLiteral("widthSpin"));
    auto* sampler = w.findChild<QComboBox*>(QStringLiteral("samplerCombo"));
    typePrompt(w, QStringLiteral("red"));  // the focus is in the prompt editor
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 2);
    const double g = guidance->value();
    const int n = width->value();
    const int s = sampler->currentIndex();
    turnWheel(guidance, -1);
    turnWheel(width, -1);
    turnWheel(sampler, -1);
    QCOMPARE(guidance->value(), g);
    QCOMPARE(width->value(), n);
    QCOMPARE(sampler->currentIndex(), s);
    // The wheel must not hand the focus over either (Qt's default for spin boxes).
    QCOMPARE(guidance->focusPolicy(), Qt::StrongFocus);

    // Focused, the spin box takes the wheel as before.
    guidance->setFocus();
    QTRY_VERIFY(guidance->hasFocus());
    turnWheel(guidance, -1);
    QVERIFY(guidance->value() < g);
  }

  void sizeFieldsShowTheSelectedModelsOwnSize() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    auto* iw = w.findChild<QSpinBox*>(QStringLiteral("imageWidthSpin"));
    auto* ih = w.findChild<QSpinBox*>(QStringLiteral("imageHeightSpin"));
    auto* native = w.findChild<QCheckBox*>(QStringLiteral("nativeSizeCheck"));
    QCOMPARE(iw->value(), 128);  // the analytic model is 128x128
    QVERIFY(!iw->isEnabled());

    // A custom size on a latent model...
    w.modelPicker()->setCurrentSource(QStringLiteral("random:tiny"));
    QVERIFY(waitForModel(w, QStringLiteral("random:tiny"), true));
    native->setChecked(false);
    QVERIFY(iw->isEnabled());
    iw->setValue(1024);
    ih->setValue(768);
    // ...does not stay on screen for a fixed-size model,
    w.modelPicker()->setCurrentSource(ModelPicker::kAnalytic);
    QVERIFY(waitForModel(w, ModelPicker::kAnalytic, true));
    QCOMPARE(iw->value(), 128);
    QCOMPARE(ih->value(), 128);
    QVERIFY(!iw->isEnabled());
    GenerationSettings s = w.collectSettings();
    QCOMPARE(s.image_width, 0);  // native
    // and comes back with the latent model.
    w.modelPicker()->setCurrentSource(QStringLiteral("random:tiny"));
    QVERIFY(waitForModel(w, QStringLiteral("random:tiny"), true));
    QCOMPARE(iw->value(), 1024);
    QCOMPARE(ih->value(), 768);
    s = w.collectSettings();
    QCOMPARE(s.image_width, 1024);
    QCOMPARE(s.image_height, 768);
  }

  void modelLineSaysEachThingOnce() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    w.modelPicker()->setCurrentSource(ModelPicker::kBuiltin);
    if (!waitForModel(w, ModelPicker::kBuiltin, true, 15000)) QSKIP("the built-in model is not installed here");
    const QString line = w.modelPicker()->statusText();
    QVERIFY2(line.count(QStringLiteral("pixel space")) == 1, qPrintable(line));
    QVERIFY2(line.count(QStringLiteral("64")) <= 2, qPrintable(line));  // "64x64" once
  }

  void sizeFieldsFollowTheEnginesRule() {
    SizeSpinBox box;
    QCOMPARE(box.minimum(), kImageSizeMin);
    QCOMPARE(box.maximum(), kImageSizeMax);
    box.show();
    auto* edit = box.findChild<QLineEdit*>();
    QVERIFY(edit);
    box.setFocus();
    // 999 is off the rule: rounded to the nearest allowed size when the field is left.
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("999"));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(box.value(), 1000);
    // The largest size the engine takes can be typed.
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("4096"));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(box.value(), 4096);
    // Whatever the field can hold, Generate's validation accepts, and the other way round.
    for (int v = 1; v <= kImageSizeMax + 64; ++v) {
      GenerationSettings s;
      s.model = "analytic";
      s.image_width = s.image_height = v;
      bool engineTakes = true;
      try {
        validate_settings(s);
      } catch (const std::exception&) {
        engineTakes = false;
      }
      QCOMPARE(SizeSpinBox::nearestAllowed(v) == v, engineTakes);
    }
  }

  void aSizeThatCannotFitIsRefusedInWords() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    w.modelPicker()->setCurrentSource(QStringLiteral("random:tiny"));
    QVERIFY(waitForModel(w, QStringLiteral("random:tiny"), true));
    w.findChild<QCheckBox*>(QStringLiteral("nativeSizeCheck"))->setChecked(false);
    // The issue's case: 2048 px on the tiny UNet wants a 64 GiB attention matrix per guided state
    // on LibTorch 1.13.
    w.findChild<QSpinBox*>(QStringLiteral("imageWidthSpin"))->setValue(2048);
    w.findChild<QSpinBox*>(QStringLiteral("imageHeightSpin"))->setValue(2048);
    // Four drafts in one call (no draft memory limit), both halves of guidance: 8 rows of a
    // 64 GiB attention matrix each, 256 GiB or more, beyond any machine this test runs on.
    setMode(w, QStringLiteral("Aggressive"));
    setSteps(w, 4);
    setWidth(w, 4);
    w.findChild<QSpinBox*>(QStringLiteral("draftMemorySpin"))->setValue(0);
    typePrompt(w, QStringLiteral("too big"));
    QVERIFY(generateAndWait(w, 60000) > 0);
    QCOMPARE(w.banner()->level(), MessageBanner::Level::Error);
    const QString text = w.banner()->text();
    QVERIFY2(text.contains(QStringLiteral("GB")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("needs about")) || text.contains(QStringLiteral("needed")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("enforce fail")) && !text.contains(QStringLiteral("frame #")), qPrintable(text));
    QVERIFY(!w.logView()->toPlainText().contains(QStringLiteral("frame #")));
    QCOMPARE(w.history()->rowCount(), 0);
  }

  void everyControlExplainsItself() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QStringList silent;
    for (QWidget* c : w.findChildren<QWidget*>()) {
      const bool control = qobject_cast<QAbstractButton*>(c) || qobject_cast<QAbstractSpinBox*>(c) ||
                           qobject_cast<QComboBox*>(c) || qobject_cast<QLineEdit*>(c) || qobject_cast<QPlainTextEdit*>(c);
      if (!control || c->objectName().startsWith(QLatin1String("qt_"))) continue;
      if (qobject_cast<QLineEdit*>(c) && (qobject_cast<QAbstractSpinBox*>(c->parent()) || qobject_cast<QComboBox*>(c->parent())))
        continue;  // the editor inside a spin box or combo box: its owner has the tooltip
      if (qobject_cast<QPlainTextEdit*>(c) && c->objectName() == QLatin1String("logView")) continue;  // output only
      if (c->toolTip().isEmpty() && !c->inherits("QDockWidgetTitleButton") && !c->inherits("QTableCornerButton") &&
          !c->parent()->inherits("QTabBar") && !c->parent()->inherits("QMessageBox"))
        silent << (c->objectName().isEmpty() ? QString::fromLatin1(c->metaObject()->className()) + QLatin1Char(' ') +
                                                   (qobject_cast<QAbstractButton*>(c) ? qobject_cast<QAbstractButton*>(c)->text() : QString())
                                             : c->objectName());
    }
    QVERIFY2(silent.isEmpty(), qPrintable(silent.join(QStringLiteral(", "))));
  }

  void cpuDefaultsToSequentialAndSaysWhyDraftsCannotGain() {
    if (!cpuOnly()) QSKIP("a GPU is present: the defaults are the GPU ones");
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QCOMPARE(w.parallelismPanel()->mode(), Mode::Sequential);
    QVERIFY(w.parallelismPanel()->gainNote().isEmpty());
    setMode(w, QStringLiteral("Aggressive"));
    QVERIFY(w.parallelismPanel()->gainNote().contains(QStringLiteral("not faster")));
  }

  void parallelismPanelShowsTheMeasuredFidelityBeforeTheRun() {
    // One measured combination below the warning threshold and one above, from the table itself
    // (core/sampling/fidelity_table.inc is re-measured from time to time).
    std::optional<FidelityEntry> low, high;
    for (const FidelityEntry& e : measured_fidelity()) {
      if (e.width < 2 || e.mode == Mode::Sequential) continue;
      if (!low && e.mean_psnr_db < kFidelityWarnBelowDb) low = e;
      if (!high && e.mean_psnr_db >= kFidelityWarnBelowDb) high = e;
    }
    QVERIFY2(low && high, "the fidelity table has no combination on one side of the threshold");
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    auto* sampler = w.findChild<QComboBox*>(QStringLiteral("samplerCombo"));
    auto* guidance = w.findChild<QDoubleSpinBox*>(QStringLiteral("guidanceSpin"));
    QVERIFY(sampler && guidance);
    // Chosen through the sampling panel's own controls: the parallelism panel must follow them.
    auto choose = [&](const FidelityEntry& e) {
      sampler->setCurrentIndex(sampler->findData(static_cast<int>(e.sampler)));
      guidance->setValue(e.guidance);
      setMode(w, e.mode == Mode::Aggressive ? QStringLiteral("Aggressive") : QStringLiteral("Conservative"));
      setWidth(w, e.width);
    };
    const auto measuredText = [](const FidelityEntry& e) { return QString::number(e.mean_psnr_db, 'f', 1) + QStringLiteral(" dB PSNR"); };
    choose(*low);
    QString note = w.parallelismPanel()->fidelityNote();
    QVERIFY2(note.contains(measuredText(*low)), qPrintable(note));
    QVERIFY(w.parallelismPanel()->fidelityWarns());
    choose(*high);
    note = w.parallelismPanel()->fidelityNote();
    QVERIFY2(note.contains(measuredText(*high)), qPrintable(note));
    QVERIFY(!w.parallelismPanel()->fidelityWarns());
    // Nothing measured for the exact sampler: no number is invented.
    setMode(w, QStringLiteral("Sequential"));
    QVERIFY(w.parallelismPanel()->fidelityNote().isEmpty());
    QVERIFY(!w.parallelismPanel()->fidelityWarns());
  }
};

QTEST_MAIN(WindowInputsTest)
#include "test_window_inputs.moc"
