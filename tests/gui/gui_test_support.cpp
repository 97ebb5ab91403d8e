#include "gui_test_support.h"

#include <QCheckBox>
#include <QApplication>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QUrl>

#include "ui/job_runner.h"
#include "ui/model_picker.h"

namespace drf::ui::test {

bool dropFile(QWidget* target, const QString& path) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  if (!enter.isAccepted()) return false;
  QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &drop);
  return drop.isAccepted();
}

bool waitForModel(MainWindow& window, const QString& source, bool expectOk, int timeoutMs) {
  QSignalSpy spy(&window, &MainWindow::modelStatusChanged);
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < timeoutMs) {
    for (const auto& args : spy)
      if (args.at(0).toString() == source && args.at(1).toBool() == expectOk) return true;
    spy.wait(200);
  }
  return false;
}

std::unique_ptr<WindowFixture> openWindow() {
  auto f = std::make_unique<WindowFixture>();
  MainWindowOptions options;
  options.settings_file = f->settingsFile();
  options.output_folder = f->outputFolder();
  f->window = std::make_unique<MainWindow>(options);
  QSignalSpy devices(f->window.get(), &MainWindow::devicesShown);
  f->window->show();
  f->window->activateWindow();
  if (!QTest::qWaitForWindowActive(f->window.get())) qWarning("the window did not become active");
  f->window->modelPicker()->setCurrentSource(ModelPicker::kAnalytic);
  if (!waitForModel(*f->window, ModelPicker::kAnalytic, true)) {
    qWarning("the analytic model was not confirmed by the engine");
    return nullptr;
  }
  if (devices.isEmpty() && !devices.wait(10000)) {
    qWarning("the device list did not arrive");
    return nullptr;
  }
  return f;
}

std::unique_ptr<MainWindow> reopenWindow(const WindowFixture& fixture) {
  MainWindowOptions options;
  options.settings_file = fixture.settingsFile();
  return std::make_unique<MainWindow>(options);
}

void typePrompt(MainWindow& window, const QString& text) {
  auto* edit = window.findChild<QPlainTextEdit*>(QStringLiteral("promptEdit"));
  edit->setFocus();
  edit->clear();
  QTest::keyClicks(edit, text);
}

void setSteps(MainWindow& window, int steps) {
  window.findChild<QSpinBox*>(QStringLiteral("stepsSpin"))->setValue(steps);
}

void setMode(MainWindow& window, const QString& modeLabel) {
  auto* combo = window.findChild<QComboBox*>(QStringLiteral("modeCombo"));
  combo->setCurrentIndex(combo->findText(modeLabel));
}

void setWidth(MainWindow& window, int width) {
  window.findChild<QSpinBox*>(QStringLiteral("widthSpin"))->setValue(width);
}

void setSeed(MainWindow& window, quint64 seed) {
  window.findChild<QCheckBox*>(QStringLiteral("randomSeedCheck"))->setChecked(false);
  auto* edit = window.findChild<QLineEdit*>(QStringLiteral("seedEdit"));
  edit->setText(QString::number(seed));
}

int generateAndWait(MainWindow& window, int timeoutMs) {
  QSignalSpy ended(&window, &MainWindow::jobEndedShown);
  auto* edit = window.findChild<QPlainTextEdit*>(QStringLiteral("promptEdit"));
  edit->setFocus();
  QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
  const int id = window.runner()->currentJob().id;
  if (!id) return 0;
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < timeoutMs) {
    for (const auto& args : ended)
      if (args.at(0).toInt() == id) return id;
    ended.wait(200);
  }
  return 0;
}

}  // namespace drf::ui::test
