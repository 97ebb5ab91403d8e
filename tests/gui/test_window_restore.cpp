// Restoring parameters: "Use these settings" in the history, dropping a PNG this app wrote,
// dropping a PNG with AUTOMATIC1111 parameters, and the session persisted across windows.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QUrl>

#include "gui_test_support.h"
#include "ui/history_model.h"
#include "ui/history_view.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"
#include "ui/preview_view.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

namespace {

struct Shown {
  QString prompt, negative, seed, mode, sampler;
  int steps, width, draftMemory;
  double guidance;
};

Shown shownSettings(MainWindow& w) {
  return {w.findChild<QPlainTextEdit*>(QStringLiteral("promptEdit"))->toPlainText(),
          w.findChild<QPlainTextEdit*>(QStringLiteral("negativeEdit"))->toPlainText(),
          w.findChild<QLineEdit*>(QStringLiteral("seedEdit"))->text(),
          w.findChild<QComboBox*>(QStringLiteral("modeCombo"))->currentText(),
          w.findChild<QComboBox*>(QStringLiteral("samplerCombo"))->currentText(),
          w.findChild<QSpinBox*>(QStringLiteral("stepsSpin"))->value(),
          w.findChild<QSpinBox*>(QStringLiteral("widthSpin"))->value(),
          w.findChild<QSpinBox*>(QStringLiteral("draftMemorySpin"))->value(),
          w.findChild<QDoubleSpinBox*>(QStringLiteral("guidanceSpin"))->value()};
}

void scramble(MainWindow& w) {
  typePrompt(w, QStringLiteral("something else"));
  w.findChild<QPlainTextEdit*>(QStringLiteral("negativeEdit"))->setPlainText(QStringLiteral("xyz"));
  setSteps(w, 5);
  setMode(w, QStringLiteral("Sequential"));
  setSeed(w, 1);
  w.findChild<QSpinBox*>(QStringLiteral("draftMemorySpin"))->setValue(64);
  w.findChild<QDoubleSpinBox*>(QStringLiteral("guidanceSpin"))->setValue(1.0);
  auto* sampler = w.findChild<QComboBox*>(QStringLiteral("samplerCombo"));
  sampler->setCurrentIndex(sampler->findText(QStringLiteral("DDPM")));
}

bool dropFile(MainWindow& w, const QString& path) { return drf::ui::test::dropFile(static_cast<QWidget*>(&w), path); }

}  // namespace

class WindowRestoreTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void historyAndDroppedFilesRestoreTheSettings() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    typePrompt(w, QStringLiteral("gold, with a comma: and a colon"));
    w.findChild<QPlainTextEdit*>(QStringLiteral("negativeEdit"))->setPlainText(QStringLiteral("blue"));
    setSteps(w, 17);
    setMode(w, QStringLiteral("Conservative"));
    setWidth(w, 3);
    setSeed(w, 12345678901ull);
    // Disabled without a GPU, but still saved with the settings and restored.
    w.findChild<QSpinBox*>(QStringLiteral("draftMemorySpin"))->setValue(1024);
    w.findChild<QDoubleSpinBox*>(QStringLiteral("guidanceSpin"))->setValue(6.5);
    auto* sampler = w.findChild<QComboBox*>(QStringLiteral("samplerCombo"));
    sampler->setCurrentIndex(sampler->findText(QStringLiteral("Euler")));
    const Shown original = shownSettings(w);
    QVERIFY(generateAndWait(w) > 0);
    QCOMPARE(w.history()->rowCount(), 1);

    // History: select, large view, "Use these settings".
    scramble(w);
    w.historyView()->selectRow(0);
    QCOMPARE(w.historyView()->preview()->image().size(), QSize(128, 128));
    QVERIFY(w.historyView()->detailsText().contains(QStringLiteral("17 steps")));
    QTest::mouseClick(w.findChild<QPushButton*>(QStringLiteral("useSettingsButton")), Qt::LeftButton);
    Shown restored = shownSettings(w);
    QCOMPARE(restored.prompt, original.prompt);
    QCOMPARE(restored.negative, original.negative);
    QCOMPARE(restored.seed, QStringLiteral("12345678901"));
    QCOMPARE(restored.steps, 17);
    QCOMPARE(restored.mode, QStringLiteral("Conservative"));
    QCOMPARE(restored.width, 3);
    QCOMPARE(restored.draftMemory, 1024);
    QCOMPARE(restored.sampler, QStringLiteral("Euler"));
    QCOMPARE(restored.guidance, 6.5);

    // Dropping the PNG this app wrote restores everything, the model too.
    const QString png = w.history()->index(0).data(HistoryModel::SavedPathRole).toString();
    QVERIFY(QFileInfo::exists(png));
    scramble(w);
    QVERIFY(dropFile(w, png));
    restored = shownSettings(w);
    QCOMPARE(restored.prompt, original.prompt);
    QCOMPARE(restored.seed, QStringLiteral("12345678901"));
    QCOMPARE(restored.steps, 17);
    QCOMPARE(restored.width, 3);
    QCOMPARE(restored.draftMemory, 1024);
    QCOMPARE(restored.sampler, QStringLiteral("Euler"));
    QCOMPARE(w.modelPicker()->currentSource(), ModelPicker::kAnalytic);
    QVERIFY(w.banner()->text().contains(QStringLiteral("Restored")));
  }

  void droppedAutomatic1111ParametersRestoreWhatTheyName() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QImage image(64, 64, QImage::Format_RGB888);
    image.fill(Qt::darkGreen);
    image.setText(QStringLiteral("parameters"),
                  QStringLiteral("a green hill\nNegative prompt: fog\nSteps: 33, Sampler: Euler, CFG scale: 6.5, "
                                 "Seed: 987, Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly"));
    const QString path = f->dir.filePath(QStringLiteral("a1111.png"));
    QVERIFY(image.save(path));
    scramble(w);
    // Dropped on the prompt editor: restores settings instead of pasting the file name.
    QVERIFY(dropFile(w.findChild<QPlainTextEdit*>(QStringLiteral("promptEdit"))->viewport(), path));
    const Shown restored = shownSettings(w);
    QCOMPARE(restored.prompt, QStringLiteral("a green hill"));
    QCOMPARE(restored.negative, QStringLiteral("fog"));
    QCOMPARE(restored.steps, 33);
    QCOMPARE(restored.seed, QStringLiteral("987"));
    QCOMPARE(restored.sampler, QStringLiteral("Euler"));
    QCOMPARE(restored.guidance, 6.5);
    QCOMPARE(w.modelPicker()->currentSource(), ModelPicker::kAnalytic);  // only a name: kept
    QVERIFY(w.banner()->text().contains(QStringLiteral("v1-5-pruned-emaonly")));

    // A PNG without parameters: a readable error, nothing changed.
    QImage plain(8, 8, QImage::Format_RGB888);
    plain.fill(Qt::white);
    const QString plainPath = f->dir.filePath(QStringLiteral("plain.png"));
    QVERIFY(plain.save(plainPath));
    QVERIFY(dropFile(w, plainPath));
    QCOMPARE(w.banner()->level(), MessageBanner::Level::Error);
    QVERIFY(w.banner()->text().contains(QStringLiteral("plain.png")));
    QCOMPARE(shownSettings(w).steps, 33);
  }

  void sessionPersistsAcrossWindows() {
    auto f = openWindow();
    QVERIFY(f);
    {
      MainWindow& w = *f->window;
      typePrompt(w, QStringLiteral("red"));
      setSteps(w, 21);
      setMode(w, QStringLiteral("Aggressive"));
      setWidth(w, 5);
      setSeed(w, 4242);
      w.findChild<QSpinBox*>(QStringLiteral("draftMemorySpin"))->setValue(512);
      w.modelPicker()->addModel(f->dir.filePath(QStringLiteral("some-model.safetensors")));
      w.modelPicker()->setCurrentSource(ModelPicker::kAnalytic);
      w.setOutputFolder(f->dir.filePath(QStringLiteral("elsewhere")));
      QVERIFY(generateAndWait(w) > 0);  // puts "red" into the recent prompts
      w.close();
    }
    f->window.reset();
    std::unique_ptr<MainWindow> again = reopenWindow(*f);
    const Shown s = shownSettings(*again);
    QCOMPARE(s.prompt, QStringLiteral("red"));
    QCOMPARE(s.steps, 21);
    QCOMPARE(s.mode, QStringLiteral("Aggressive"));
    QCOMPARE(s.width, 5);
    QCOMPARE(s.draftMemory, 512);
    QCOMPARE(s.seed, QStringLiteral("4242"));
    QCOMPARE(again->modelPicker()->currentSource(), ModelPicker::kAnalytic);
    QVERIFY(again->modelPicker()->userModels().contains(f->dir.filePath(QStringLiteral("some-model.safetensors"))));
    QCOMPARE(again->outputFolder(), f->dir.filePath(QStringLiteral("elsewhere")));
    auto* recent = again->findChild<QComboBox*>(QStringLiteral("recentPromptsCombo"));
    QVERIFY(recent->findText(QStringLiteral("red")) > 0);
  }
};

QTEST_MAIN(WindowRestoreTest)
#include "test_window_restore.moc"
