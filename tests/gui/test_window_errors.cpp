// Errors reach the user as readable messages in the window, never as a crash: a corrupt
// .safetensors model, an output folder that cannot be written (the image stays in the history
// and can be saved elsewhere), and settings the planner refuses.
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include "gui_test_support.h"
#include "ui/history_model.h"
#include "ui/job_runner.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

class WindowErrorsTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void brokenModelFileGivesAReadableError() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    // A header length far beyond the file, then garbage: what a truncated download looks like.
    const QString path = f->dir.filePath(QStringLiteral("broken-model.safetensors"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    const char header[8] = {'\xff', '\xff', '\xff', '\x7f', 0, 0, 0, 0};
    file.write(header, 8);
    file.write("{\"weight\": garbage");
    file.close();

    QSignalSpy status(&w, &MainWindow::modelStatusChanged);
    w.modelPicker()->addModel(path);
    QVERIFY(waitForModel(w, path, false));
    QCOMPARE(w.banner()->level(), MessageBanner::Level::Error);
    QVERIFY2(w.banner()->text().contains(QStringLiteral("broken-model.safetensors")), qPrintable(w.banner()->text()));
    QVERIFY(w.modelPicker()->statusText().startsWith(QStringLiteral("Cannot use this model")));

    // Generate is off while the selected model is known to be broken: no job queues to fail.
    auto* generateButton = w.findChild<QPushButton*>(QStringLiteral("generateButton"));
    QVERIFY(!generateButton->isEnabled());
    QVERIFY(!w.findChild<QPushButton*>(QStringLiteral("compareButton"))->isEnabled());
    typePrompt(w, QStringLiteral("red"));
    setSteps(w, 5);
    QCOMPARE(generateAndWait(w, 2000), 0);  // Ctrl+Enter does nothing
    QCOMPARE(w.generate(), 0);
    QVERIFY(!w.runner()->isBusy());
    QVERIFY(w.banner()->text().contains(QStringLiteral("broken-model.safetensors")));
    QCOMPARE(w.history()->rowCount(), 0);

    // A good model: the old error goes away and the window works again.
    w.modelPicker()->setCurrentSource(ModelPicker::kAnalytic);
    QVERIFY(waitForModel(w, ModelPicker::kAnalytic, true));
    QVERIFY2(w.banner()->text().isEmpty(), qPrintable(w.banner()->text()));
    QVERIFY(generateButton->isEnabled());
    QVERIFY(generateAndWait(w) > 0);
    QCOMPARE(w.history()->rowCount(), 1);
  }

  void unwritableOutputKeepsTheImageForSaveAs() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    // A regular file where the output folder's parent should be: no folder can be created
    // there, even by root.
    const QString blocker = f->dir.filePath(QStringLiteral("not-a-folder"));
    QFile file(blocker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("x");
    file.close();
    w.setOutputFolder(blocker + QStringLiteral("/images"));
    typePrompt(w, QStringLiteral("green"));
    setSteps(w, 8);
    QVERIFY(generateAndWait(w) > 0);

    QCOMPARE(w.history()->rowCount(), 1);
    QVERIFY(w.history()->index(0).data(HistoryModel::SavedPathRole).toString().isEmpty());
    QVERIFY(!w.history()->index(0).data(HistoryModel::SaveErrorRole).toString().isEmpty());
    QCOMPARE(w.banner()->level(), MessageBanner::Level::Error);
    QVERIFY(w.banner()->text().contains(QStringLiteral("could not be saved")));

    const QString elsewhere = f->dir.filePath(QStringLiteral("saved-elsewhere.png"));
    QVERIFY(w.saveHistoryEntryAs(0, elsewhere));
    QCOMPARE(QImage(elsewhere).size(), QSize(128, 128));
    QCOMPARE(w.history()->index(0).data(HistoryModel::SavedPathRole).toString(), elsewhere);
  }

  void settingsThePlannerRefusesAreExplained() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    setSteps(w, 3);
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 8);  // wider than the number of steps
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("theoreticalSpeedup"))->text().contains(QStringLiteral("width")));
    w.generate();
    QVERIFY(!w.runner()->isBusy());
    QCOMPARE(w.banner()->level(), MessageBanner::Level::Error);
    QVERIFY(w.banner()->text().contains(QStringLiteral("width 8")));
  }
};

QTEST_MAIN(WindowErrorsTest)
#include "test_window_errors.moc"
