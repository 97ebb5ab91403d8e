// Helpers shared by the GUI suites: a MainWindow with its own settings file and output folder
// in a temporary directory, set to the analytic model, and shortcuts to drive its widgets.
#pragma once
#include <QString>
#include <QTemporaryDir>
#include <memory>

#include "ui/main_window.h"

namespace drf::ui::test {

struct WindowFixture {
  QTemporaryDir dir;
  std::unique_ptr<MainWindow> window;
  QString settingsFile() const { return dir.filePath(QStringLiteral("settings.ini")); }
  QString outputFolder() const { return dir.filePath(QStringLiteral("out")); }
};

// Creates and shows the window, selects the analytic model and waits until the engine
// confirmed it and the device list arrived. Returns nullptr (after QFAIL-style messages via
// qWarning) when that does not happen in time.
std::unique_ptr<WindowFixture> openWindow();
// Opens another window on an existing fixture's settings file (persistence tests).
std::unique_ptr<MainWindow> reopenWindow(const WindowFixture& fixture);
bool waitForModel(MainWindow& window, const QString& source, bool expectOk, int timeoutMs = 20000);

// Types into the prompt editor as a user would (clears it first).
void typePrompt(MainWindow& window, const QString& text);
void setSteps(MainWindow& window, int steps);
void setMode(MainWindow& window, const QString& modeLabel);  // "Sequential", "Conservative", "Aggressive"
void setWidth(MainWindow& window, int width);
void setSeed(MainWindow& window, quint64 seed);
// Delivers a drag-and-drop of one file to `target` as the window system would (enter, then
// drop); true when the target accepted both.
bool dropFile(QWidget* target, const QString& path);
// Presses Ctrl+Enter in the prompt editor and waits for the job to end; returns its id
// (0 on timeout).
int generateAndWait(MainWindow& window, int timeoutMs = 30000);

}  // namespace drf::ui::test
