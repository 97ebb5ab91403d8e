// The window on common laptop and desktop screens: it fits 1366x768 (minimum width at most
// 1280 px), no label is cut where the window is wide enough (1366x768 and 1920x1080, every
// tab), and the splitter between the settings and the images does not move while jobs start
// and end or while messages come and go.
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QSignalSpy>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

#include "gui_test_support.h"
#include "ui/history_model.h"
#include "ui/history_view.h"
#include "ui/message_banner.h"
#include "ui/stats_panel.h"
#include "ui/timeline_chart.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

namespace {

// Every visible label whose text does not fit: a single-line label narrower than its text, a
// wrapped label lower than its lines need.
QStringList cutLabels(QWidget& root) {
  QStringList cut;
  for (QLabel* l : root.findChildren<QLabel*>()) {
    if (!l->isVisible() || l->text().isEmpty() || !l->pixmap().isNull()) continue;
    const QString name = l->objectName().isEmpty() ? l->text().left(40) : l->objectName();
    if (l->wordWrap()) {
      if (l->height() < l->heightForWidth(l->width()))
        cut << QStringLiteral("%1 (height %2 < %3)").arg(name).arg(l->height()).arg(l->heightForWidth(l->width()));
    } else if (l->width() < l->sizeHint().width()) {
      cut << QStringLiteral("%1 (width %2 < %3)").arg(name).arg(l->width()).arg(l->sizeHint().width());
    }
  }
  return cut;
}

QStringList cutHeaders(QWidget& root) {
  QStringList cut;
  for (QTableWidget* t : root.findChildren<QTableWidget*>()) {
    if (!t->isVisible()) continue;
    QHeaderView* h = t->horizontalHeader();
    for (int c = 0; c < h->count(); ++c) {
      const QString title = t->horizontalHeaderItem(c) ? t->horizontalHeaderItem(c)->text() : QString();
      const int needed = h->fontMetrics().horizontalAdvance(title);
      if (h->sectionSize(c) < needed) cut << QStringLiteral("%1 header (%2 < %3)").arg(title).arg(h->sectionSize(c)).arg(needed);
    }
  }
  return cut;
}

void showAt(MainWindow& w, int width, int height) {
  w.resize(width, height);
  QTest::qWait(50);
  QApplication::processEvents();
}

}  // namespace

class WindowLayoutTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void fitsALaptopScreen() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY2(w.minimumSizeHint().width() <= 1280, qPrintable(QString::number(w.minimumSizeHint().width())));
    QVERIFY2(w.minimumSizeHint().height() <= 720, qPrintable(QString::number(w.minimumSizeHint().height())));
  }

  void nothingIsCutAtCommonScreenSizes_data() {
    QTest::addColumn<QSize>("screen");
    QTest::newRow("1366x768") << QSize(1366, 768);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
  }

  void nothingIsCutAtCommonScreenSizes() {
    QFETCH(QSize, screen);
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    showAt(w, screen.width(), screen.height());
    // Fill every view the way a user sees it: a finished comparison (Compare tab, statistics,
    // timeline) and results in the history.
    setSteps(w, 8);
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 2);
    typePrompt(w, QStringLiteral("a gold coin on a red table"));
    QSignalSpy compared(&w, &MainWindow::comparisonShown);
    QVERIFY(w.compare() > 0);
    QVERIFY(compared.wait(60000));
    QVERIFY(generateAndWait(w) > 0);
    auto* tabs = w.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    for (int t = 0; t < tabs->count(); ++t) {
      tabs->setCurrentIndex(t);
      if (tabs->currentWidget() == w.historyView()) w.historyView()->selectRow(0);
      QTest::qWait(30);
      QStringList cut = cutLabels(w) + cutHeaders(w);
      QVERIFY2(cut.isEmpty(), qPrintable(tabs->tabText(t) + QStringLiteral(": ") + cut.join(QStringLiteral("; "))));
    }
    for (const QRect& r : w.statsPanel()->timeline()->legendRects())
      QVERIFY2(w.statsPanel()->timeline()->rect().contains(r), "timeline legend entry outside the chart");
    // History thumbnails and their labels fit their grid cells.
    QListView* list = w.historyView()->listView();
    w.findChild<QTabWidget*>(QStringLiteral("mainTabs"))->setCurrentWidget(w.historyView());
    QApplication::processEvents();
    QVERIFY2(list->viewport()->width() >= list->gridSize().width(),
             qPrintable(QStringLiteral("history list %1 px for %2 px cells").arg(list->viewport()->width()).arg(list->gridSize().width())));
    for (int r = 0; r < w.history()->rowCount(); ++r) {
      const QSize need = list->sizeHintForIndex(w.history()->index(r));
      QVERIFY2(need.width() <= list->gridSize().width() && need.height() <= list->gridSize().height(),
               qPrintable(QStringLiteral("item %1x%2 in a %3x%4 cell")
                              .arg(need.width()).arg(need.height()).arg(list->gridSize().width()).arg(list->gridSize().height())));
    }
  }

  void splitterStaysPutWhileJobsRunAndMessagesComeAndGo() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    showAt(w, 1366, 768);
    auto* splitter = w.findChild<QSplitter*>(QStringLiteral("mainSplitter"));
    const QList<int> sizes = splitter->sizes();
    QList<QList<int>> seen;
    connect(&w, &MainWindow::previewUpdated, &w, [&] { seen << splitter->sizes(); });
    setSteps(w, 24);
    setMode(w, QStringLiteral("Aggressive"));
    setWidth(w, 4);  // a strip of drafts appears with the first round
    typePrompt(w, QStringLiteral("blue"));
    QVERIFY(generateAndWait(w) > 0);
    QApplication::processEvents();
    seen << splitter->sizes();
    for (const QList<int>& s : seen) QCOMPARE(s, sizes);

    w.banner()->showMessage(MessageBanner::Level::Error,
                            QStringLiteral("Cannot load the model: /a/very/long/path/without/any/spaces/that/could/wrap/"
                                           "models/stable-diffusion-v1-5-pruned-emaonly-fp16.safetensors is not a file"));
    QApplication::processEvents();
    QCOMPARE(splitter->sizes(), sizes);
    w.banner()->hide();
    QApplication::processEvents();
    QCOMPARE(splitter->sizes(), sizes);
  }
};

QTEST_MAIN(WindowLayoutTest)
#include "test_window_layout.moc"
