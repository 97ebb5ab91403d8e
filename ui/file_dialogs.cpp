#include "ui/file_dialogs.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>

namespace drf::ui {

bool isSpecialFileSystemPath(const QString& path) {
  if (path.isEmpty()) return false;
  // canonicalFilePath() resolves symbolic links (a link into /proc is just as bad); it is
  // empty for a path that does not exist, then the cleaned path is judged as written.
  QString resolved = QFileInfo(path).canonicalFilePath();
  if (resolved.isEmpty()) resolved = QDir::cleanPath(QDir(path).absolutePath());
  for (const QLatin1String root : {QLatin1String("/proc"), QLatin1String("/sys"), QLatin1String("/dev")})
    if (resolved == root || resolved.startsWith(root + QLatin1Char('/'))) return true;
  return false;
}

QString safeDialogFolder(const QString& preferred) {
  QString folder = preferred.isEmpty() ? QString() : QDir::cleanPath(QDir(preferred).absolutePath());
  // The nearest existing folder: an output folder that was not created yet starts at its parent.
  while (!folder.isEmpty() && !QFileInfo(folder).isDir()) {
    const QString parent = QFileInfo(folder).path();
    if (parent == folder) break;
    folder = parent;
  }
  if (folder.isEmpty() || !QFileInfo(folder).isDir() || isSpecialFileSystemPath(folder) || folder == QDir::rootPath())
    return QDir::homePath();
  return folder;
}

QFileDialog* makeFileDialog(QWidget* parent, const QString& title, const QString& folder, const QString& filter) {
  auto* dialog = new QFileDialog(parent, title, safeDialogFolder(folder), filter);
  dialog->setOption(QFileDialog::DontUseNativeDialog, true);
  dialog->setAttribute(Qt::WA_DeleteOnClose, false);
  return dialog;
}

namespace {

QString run(QFileDialog* dialog) {
  QString chosen;
  if (dialog->exec() == QDialog::Accepted && !dialog->selectedFiles().isEmpty()) chosen = dialog->selectedFiles().first();
  delete dialog;
  return chosen;
}

}  // namespace

QString chooseOpenFile(QWidget* parent, const QString& title, const QString& folder, const QString& filter) {
  QFileDialog* dialog = makeFileDialog(parent, title, folder, filter);
  dialog->setFileMode(QFileDialog::ExistingFile);
  dialog->setAcceptMode(QFileDialog::AcceptOpen);
  return run(dialog);
}

QString chooseSaveFile(QWidget* parent, const QString& title, const QString& suggested, const QString& filter) {
  const QFileInfo info(suggested);
  QFileDialog* dialog = makeFileDialog(parent, title, info.path(), filter);
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  dialog->setFileMode(QFileDialog::AnyFile);
  dialog->selectFile(info.fileName());
  return run(dialog);
}

QString chooseFolder(QWidget* parent, const QString& title, const QString& folder) {
  QFileDialog* dialog = makeFileDialog(parent, title, folder, QString());
  dialog->setFileMode(QFileDialog::Directory);
  dialog->setOption(QFileDialog::ShowDirsOnly, true);
  return run(dialog);
}

}  // namespace drf::ui
