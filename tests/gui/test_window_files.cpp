// Files on disk: the History tab comes back after a restart from the images in the output
// folder (also images other apps wrote with A1111 parameters), and no file dialog of the app
// starts in, or can be pointed at, /proc, /sys or /dev (the native dialog once froze the
// window reading /proc/kmsg).
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QImage>
#include <QMenuBar>
#include <QTest>
#include <QTimer>

#include "gui_test_support.h"
#include "ui/file_dialogs.h"
#include "ui/history_model.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

namespace {

QAction* menuAction(MainWindow& w, const QString& text) {
  for (QAction* a : w.findChildren<QAction*>())
    if (a->text() == text) return a;
  return nullptr;
}

}  // namespace

class WindowFilesTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void historyComesBackAfterARestart() {
    auto f = openWindow();
    QVERIFY(f);
    {
      MainWindow& w = *f->window;
      setSteps(w, 5);
      setMode(w, QStringLiteral("Sequential"));
      typePrompt(w, QStringLiteral("red"));
      QVERIFY(generateAndWait(w) > 0);
      typePrompt(w, QStringLiteral("gold"));
      QVERIFY(generateAndWait(w) > 0);
      w.close();
    }
    // Another app's picture with A1111 parameters, and a plain picture without any.
    QImage other(64, 48, QImage::Format_RGB888);
    other.fill(Qt::darkGreen);
    other.setText(QStringLiteral("parameters"),
                  QStringLiteral("a green field\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 64x48"));
    QVERIFY(other.save(QDir(f->outputFolder()).filePath(QStringLiteral("from-another-app.png"))));
    QImage plain(32, 32, QImage::Format_RGB888);
    plain.fill(Qt::white);
    QVERIFY(plain.save(QDir(f->outputFolder()).filePath(QStringLiteral("plain.png"))));

    f->window.reset();
    std::unique_ptr<MainWindow> again = reopenWindow(*f);
    HistoryModel* h = again->history();
    QCOMPARE(h->rowCount(), 3);  // not the plain picture
    QStringList prompts;
    for (int r = 0; r < h->rowCount(); ++r) prompts << h->index(r).data(HistoryModel::PromptRole).toString();
    QVERIFY2(prompts.contains(QStringLiteral("red")) && prompts.contains(QStringLiteral("gold")) &&
                 prompts.contains(QStringLiteral("a green field")),
             qPrintable(prompts.join(QStringLiteral(", "))));
    const int red = prompts.indexOf(QStringLiteral("red"));
    QCOMPARE(h->entryAt(red).outcome->image.size(), QSize(128, 128));
    QVERIFY(h->entryAt(red).saved_path.startsWith(f->outputFolder()));
    QCOMPARE(h->entryAt(red).outcome->result.settings.steps, 5);
    // Loading again adds nothing twice.
    QCOMPARE(again->loadOutputFolderImages(), 0);
    // A restored entry can be written again elsewhere.
    const QString copy = f->dir.filePath(QStringLiteral("copy.png"));
    QVERIFY(again->saveHistoryEntryAs(red, copy));
    QCOMPARE(QImage(copy).size(), QSize(128, 128));
  }

  void dialogFoldersAvoidSpecialFileSystems() {
    QTemporaryDir dir;
    QCOMPARE(safeDialogFolder(QStringLiteral("/proc")), QDir::homePath());
    QCOMPARE(safeDialogFolder(QStringLiteral("/proc/self/fd")), QDir::homePath());
    QCOMPARE(safeDialogFolder(QStringLiteral("/sys/class")), QDir::homePath());
    QCOMPARE(safeDialogFolder(QStringLiteral("/dev")), QDir::homePath());
    QCOMPARE(safeDialogFolder(QString()), QDir::homePath());
    QCOMPARE(safeDialogFolder(dir.path()), dir.path());
    // A folder not created yet starts at its nearest existing parent.
    QCOMPARE(safeDialogFolder(dir.filePath(QStringLiteral("out/later"))), dir.path());
    // A link into /proc is /proc.
    const QString link = dir.filePath(QStringLiteral("proc-link"));
    QVERIFY(QFile::link(QStringLiteral("/proc/self"), link));
    QVERIFY(isSpecialFileSystemPath(link));
    QCOMPARE(safeDialogFolder(link), QDir::homePath());
    std::unique_ptr<QFileDialog> d(makeFileDialog(nullptr, QStringLiteral("t"), QStringLiteral("/proc"), QString()));
    QVERIFY(d->testOption(QFileDialog::DontUseNativeDialog));
    QCOMPARE(d->directory().absolutePath(), QDir::homePath());
  }

  void restoreDialogNeverStartsInProc() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    w.setOutputFolder(QStringLiteral("/proc/self"));
    QAction* restore = menuAction(w, QStringLiteral("&Restore settings from image..."));
    QVERIFY(restore);
    bool checked = false;
    QString where;
    bool nonNative = false;
    // The dialog is modal: inspect and close it from the event loop it runs.
    QTimer::singleShot(200, &w, [&] {
      auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
      if (!dialog) return;
      checked = true;
      where = dialog->directory().absolutePath();
      nonNative = dialog->testOption(QFileDialog::DontUseNativeDialog);
      dialog->reject();
    });
    restore->trigger();
    QVERIFY(checked);
    QVERIFY(nonNative);
    QCOMPARE(where, QDir::homePath());
  }
};

QTEST_MAIN(WindowFilesTest)
#include "test_window_files.moc"
