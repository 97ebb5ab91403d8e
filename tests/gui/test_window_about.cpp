// Help > About DRiffusion Studio: the box the user opens from the menu credits both emoji image
// sets the built-in model was trained on (name, licence, link), as their licences require.
#include <QApplication>
#include <QMenuBar>
#include <QMessageBox>
#include <QTest>
#include <QTimer>

#include "gui_test_support.h"
#include "ui/about_dialog.h"

using namespace drf::ui;
using namespace drf::ui::test;

namespace {

QAction* findMenuAction(MainWindow& w, const QString& menuText, const QString& actionText) {
  for (QAction* menu : w.menuBar()->actions()) {
    if (menu->text() != menuText || !menu->menu()) continue;
    for (QAction* a : menu->menu()->actions())
      if (a->text() == actionText) return a;
  }
  return nullptr;
}

}  // namespace

class WindowAboutTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void aboutBoxCreditsBothEmojiImageSets() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QAction* about = findMenuAction(w, QStringLiteral("&Help"), QStringLiteral("&About DRiffusion Studio"));
    QVERIFY(about);

    // The box is modal: read and close it from the event loop that exec() runs.
    QString shown;
    bool wasRichText = false;
    QTimer poll;
    poll.setInterval(20);
    connect(&poll, &QTimer::timeout, this, [&] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      shown = box->text();
      wasRichText = box->textFormat() != Qt::PlainText;
      box->accept();
    });
    poll.start();
    QTimer::singleShot(10000, &poll, [] {  // never hang the suite if the box does not appear
      if (QWidget* modal = QApplication::activeModalWidget()) modal->close();
    });
    about->trigger();
    poll.stop();

    QVERIFY2(!shown.isEmpty(), "Help > About did not open a message box");
    QVERIFY(wasRichText);
    QCOMPARE(shown, aboutText());
    const QStringList credits = {
        // Google's set: name, package, licence and its link.
        QStringLiteral("Noto Emoji images by Google"), QStringLiteral("emoji-datasource-google 16.0.0"),
        QStringLiteral("Apache License 2.0"), QStringLiteral("https://www.apache.org/licenses/LICENSE-2.0"),
        // Twitter's set: the attribution CC-BY 4.0 asks for, package, licence and its link.
        QStringLiteral("Twemoji graphics by Twitter, Inc and other contributors"),
        QStringLiteral("emoji-datasource-twitter 16.0.0"), QStringLiteral("CC-BY 4.0"),
        QStringLiteral("https://creativecommons.org/licenses/by/4.0/"),
        QStringLiteral("NOTICE")};
    for (const QString& c : credits) QVERIFY2(shown.contains(c), qPrintable(QStringLiteral("missing: ") + c));
    // The links are clickable (anchors), not only printed.
    QVERIFY(shown.contains(QStringLiteral("<a href=\"https://creativecommons.org/licenses/by/4.0/\">")));
    QVERIFY(shown.contains(QStringLiteral("<a href=\"https://www.apache.org/licenses/LICENSE-2.0\">")));
  }
};

QTEST_MAIN(WindowAboutTest)
#include "test_window_about.moc"
