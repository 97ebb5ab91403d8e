// File dialogs that never block the window on a special file system. The platform's native
// dialog (GTK) may read files to preview them, and once it opened /proc it read /proc/kmsg and
// froze the main thread; so every dialog of the app is Qt's own (its directory listing runs on
// a worker thread and reads no file contents) and starts in a safe folder: never under /proc,
// /sys or /dev, falling back to the home folder.
#pragma once
#include <QString>

class QFileDialog;
class QWidget;

namespace drf::ui {

// True for a path on a kernel/virtual file system a dialog must not open (/proc, /sys, /dev).
bool isSpecialFileSystemPath(const QString& path);
// `preferred` (or its nearest existing parent folder) when that is a safe folder, else home.
QString safeDialogFolder(const QString& preferred);

// A configured dialog (non-native, safe start folder); the static functions below use it.
QFileDialog* makeFileDialog(QWidget* parent, const QString& title, const QString& folder, const QString& filter);

QString chooseOpenFile(QWidget* parent, const QString& title, const QString& folder, const QString& filter);
// `suggested` is a full path whose folder is made safe and whose file name is kept.
QString chooseSaveFile(QWidget* parent, const QString& title, const QString& suggested, const QString& filter);
QString chooseFolder(QWidget* parent, const QString& title, const QString& folder);

}  // namespace drf::ui
