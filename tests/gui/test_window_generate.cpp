// Drives the real main window with the analytic model: type a prompt, choose mode and width,
// Ctrl+Enter; the preview follows every round and the final image appears, is saved and lands
// in the history. Esc cancels mid-run; jobs submitted while busy wait in an editable queue.
#include <QDir>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <atomic>

#include "gui_test_support.h"
#include "ui/draft_strip.h"
#include "ui/generation_controller.h"
#include "ui/history_model.h"
#include "ui/job_runner.h"
#include "ui/parallelism_panel.h"
#include "ui/preview_view.h"
#include "ui/progress_panel.h"
#include "ui/queue_model.h"
#include "ui/stats_panel.h"
#include "ui/timeline_chart.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

class WindowGenerateTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void generateShowsEveryRoundAndTheFinalImage() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    typePrompt(w, QStringLiteral("a gold coin"));
    setSteps(w, 40);
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 4);
    setSeed(w, 7);
    QCOMPARE(w.parallelismPanel()->speedupText().contains(QStringLiteral("11 serial network latencies")), true);

    QSignalSpy rounds(&w, &MainWindow::previewUpdated);
    QSignalSpy shown(&w, &MainWindow::generationShown);
    const int previewsBefore = w.livePreview()->updateCount();
    const int id = generateAndWait(w);
    QVERIFY(id > 0);
    QCOMPARE(shown.count(), 1);

    // Aggressive, 40 steps, width 4: 10 rounds, each shown as it arrived.
    QCOMPARE(rounds.count(), 10);
    for (int r = 0; r < rounds.count(); ++r) QCOMPARE(rounds.at(r).at(0).toInt(), r + 1);
    QCOMPARE(w.livePreview()->updateCount() - previewsBefore, 10 + 1);  // + the final image
    QCOMPARE(w.livePreview()->image().size(), QSize(128, 128));
    QVERIFY(w.livePreview()->caption().contains(QStringLiteral("final image")));
    QCOMPARE(w.draftStrip()->draftCount(), 3);  // the last round (anchor 36) drafts steps 37..39
    QCOMPARE(w.progressPanel()->value(), w.progressPanel()->maximum());
    QCOMPARE(w.statsPanel()->timeline()->roundCount(), 10);
    QVERIFY(w.statsPanel()->latencyText().contains(QStringLiteral("11 used vs 40 sequential")));

    // The result is in the history and in the output folder.
    QCOMPARE(w.history()->rowCount(), 1);
    const QString saved = w.history()->index(0).data(HistoryModel::SavedPathRole).toString();
    QVERIFY2(QFileInfo::exists(saved), qPrintable(saved));
    QVERIFY(saved.startsWith(f->outputFolder()));
    QVERIFY(saved.endsWith(QStringLiteral("-7.png")));
    QCOMPARE(QImage(saved).size(), QSize(128, 128));
  }

  void escapeCancelsWithinOneRoundAndTheNextJobRuns() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    typePrompt(w, QStringLiteral("blue"));
    setSteps(w, 200);
    setMode(w, QStringLiteral("Sequential"));

    // Hold the worker inside round 3 until Esc has been pressed, so the key press lands
    // mid-run however fast the analytic model is. The engine itself is untouched.
    QSemaphore escapePressed;
    std::atomic<int> roundsSeenByWorker{0};
    const QMetaObject::Connection hold = connect(
        w.runner()->controller(), &GenerationController::jobProgress, w.runner()->controller(),
            [&](const JobProgress& p) {
              if (p.kind != JobEventKind::RoundDone) return;
              if (++roundsSeenByWorker == 3) escapePressed.acquire();
            },
            Qt::DirectConnection);
    QSignalSpy rounds(&w, &MainWindow::previewUpdated);
    QSignalSpy cancelled(w.runner()->controller(), &GenerationController::jobCancelled);
    QSignalSpy ended(&w, &MainWindow::jobEndedShown);
    QTest::keyClick(w.findChild<QPlainTextEdit*>(QStringLiteral("promptEdit")), Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(rounds.count() >= 3, 20000);
    QTest::keyClick(&w, Qt::Key_Escape);
    const int roundsAtEscape = roundsSeenByWorker.load();
    escapePressed.release();
    QVERIFY(ended.wait(20000));
    QCOMPARE(cancelled.count(), 1);
    QVERIFY2(roundsSeenByWorker.load() - roundsAtEscape <= 1,
             qPrintable(QStringLiteral("%1 rounds ran after Esc").arg(roundsSeenByWorker.load() - roundsAtEscape)));
    QVERIFY(w.progressPanel()->statusText().contains(QStringLiteral("Cancelled")));
    // Nothing of the stopped run pretends to be still running or measured.
    QCOMPARE(w.statsPanel()->stepsPerSecondText(), QStringLiteral("-"));
    QVERIFY2(w.statsPanel()->measuredSpeedupText().contains(QStringLiteral("cancelled")),
             qPrintable(w.statsPanel()->measuredSpeedupText()));
    QVERIFY2(!w.progressPanel()->barText().contains(QStringLiteral("steps")), qPrintable(w.progressPanel()->barText()));
    QCOMPARE(w.progressPanel()->percent(), -1);
    QCOMPARE(w.windowTitle(), QStringLiteral("DRiffusion Studio"));
    QCOMPARE(w.history()->rowCount(), 0);
    QVERIFY(QDir(f->outputFolder()).entryList(QDir::Files).isEmpty());  // nothing half-written
    QVERIFY(!w.runner()->isBusy());

    // The window is ready for the next job.
    QObject::disconnect(hold);
    setSteps(w, 10);
    QVERIFY(generateAndWait(w) > 0);
    QCOMPARE(w.history()->rowCount(), 1);
  }

  void jobsSubmittedWhileBusyWaitInAnEditableQueue() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    setSteps(w, 12);
    setMode(w, QStringLiteral("Conservative"));
    setWidth(w, 2);
    QueueModel* queue = w.runner()->queue();
    QSignalSpy shown(&w, &MainWindow::generationShown);

    // Three submissions in one go: the first runs, two wait (the GUI thread has not yet seen
    // any job end, so the queue is deterministic here).
    typePrompt(w, QStringLiteral("red"));
    w.generate();
    typePrompt(w, QStringLiteral("green"));
    w.generate();
    typePrompt(w, QStringLiteral("blue"));
    w.generate();
    QVERIFY(w.runner()->isBusy());
    QCOMPARE(queue->rowCount(), 2);
    auto* list = w.findChild<QListView*>(QStringLiteral("queueList"));
    QCOMPARE(list->model()->rowCount(), 2);
    QVERIFY(w.findChild<QLabel*>(QStringLiteral("queueRunning"))->text().contains(QStringLiteral("red")));

    // Edit the second waiting job's prompt, then drop the first waiting one.
    QVERIFY(queue->setData(queue->index(1), QStringLiteral("gold"), Qt::EditRole));
    QVERIFY(queue->removeRows(0, 1));
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 30000);
    QTRY_VERIFY(!w.runner()->isBusy());
    QCOMPARE(queue->rowCount(), 0);
    QCOMPARE(w.history()->rowCount(), 2);
    QCOMPARE(w.history()->index(0).data(HistoryModel::PromptRole).toString(), QStringLiteral("gold"));
    QCOMPARE(w.history()->index(1).data(HistoryModel::PromptRole).toString(), QStringLiteral("red"));
  }
};

QTEST_MAIN(WindowGenerateTest)
#include "test_window_generate.moc"
