// MainWindow: what can be done with a finished image (copy it or its settings, save it
// elsewhere, open its folder, reuse its settings), the history of earlier sessions from the
// output folder, and the job's progress outside the Generate tab.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QStatusBar>
#include <QTabWidget>
#include <QUrl>

#include "ui/file_dialogs.h"
#include "ui/history_model.h"
#include "ui/history_view.h"
#include "ui/main_window.h"
#include "ui/message_banner.h"
#include "ui/output_gallery.h"
#include "ui/result_files.h"

namespace drf::ui {

int MainWindow::loadOutputFolderImages() {
  int added = 0;
  // As many as the history keeps; the newest end up on top.
  for (const GalleryImage& g : scanOutputFolder(output_folder_, 64)) {
    if (history_->rowOfPath(g.path) >= 0) continue;
    history_->add(g.outcome, g.path, QString(), 0, g.time);
    ++added;
  }
  return added;
}

int MainWindow::currentImageRow() const {
  if (tabs_->currentWidget() == history_view_ && history_view_->currentRow() >= 0) return history_view_->currentRow();
  return history_->rowCount() > 0 ? 0 : -1;
}

void MainWindow::copyImage(int row) {
  if (row < 0 || row >= history_->rowCount()) return;
  QApplication::clipboard()->setImage(history_->entryAt(row).outcome->image);
  statusBar()->showMessage(tr("Image copied"), 3000);
}

void MainWindow::copySettings(int row) {
  if (row < 0 || row >= history_->rowCount()) return;
  // The A1111 "parameters" text: what other apps paste, and what dropping restores here.
  const ImageMetadata m = metadataFor(history_->entryAt(row).outcome->result, history_->entryAt(row).measured_speedup);
  QApplication::clipboard()->setText(QString::fromStdString(m.parameters));
  statusBar()->showMessage(tr("Settings copied"), 3000);
}

void MainWindow::saveImageAs(int row) {
  if (row < 0 || row >= history_->rowCount()) return;
  const HistoryEntry& e = history_->entryAt(row);
  const QString suggested = QDir(output_folder_).filePath(QStringLiteral("%1.png").arg(e.outcome->result.settings.seed));
  const QString path = chooseSaveFile(this, tr("Save image as"), suggested,
                                      tr("PNG image (*.png);;TIFF image (*.tif *.tiff);;OpenEXR image (*.exr);;PPM image (*.ppm)"));
  if (!path.isEmpty()) saveHistoryEntryAs(row, path);
}

void MainWindow::saveImageUpscaledAs(int row) {
  if (row < 0 || row >= history_->rowCount()) return;
  const HistoryEntry& e = history_->entryAt(row);
  const QString suggested =
      QDir(output_folder_).filePath(QStringLiteral("%1-%2x.png").arg(e.outcome->result.settings.seed).arg(kViewingUpscale));
  const QString path = chooseSaveFile(this, tr("Save image enlarged %1\u00d7").arg(kViewingUpscale), suggested,
                                      tr("PNG image (*.png);;TIFF image (*.tif *.tiff);;PPM image (*.ppm)"));
  if (!path.isEmpty()) saveHistoryEntryUpscaledAs(row, path);
}

void MainWindow::openOutputFolder() {
  const QString folder = QDir::toNativeSeparators(output_folder_);
  if (QFileInfo(output_folder_).isDir() && QDesktopServices::openUrl(QUrl::fromLocalFile(output_folder_))) {
    statusBar()->showMessage(tr("Opened %1").arg(folder), 5000);
    return;
  }
  // No file manager (no desktop launcher, or the folder was not created yet): say where it is.
  QApplication::clipboard()->setText(folder);
  banner_->showMessage(MessageBanner::Level::Info,
                       QFileInfo(output_folder_).isDir()
                           ? tr("The output folder is %1 (no file manager could be opened; the path is on the clipboard).").arg(folder)
                           : tr("The output folder %1 does not exist yet: it is created with the first image (the path is on the clipboard).").arg(folder),
                       QStringLiteral("folder"));
}

void MainWindow::showImageMenu(QWidget* view, const QPoint& pos, int row) {
  if (row < 0 || row >= history_->rowCount()) return;
  QMenu menu(view);
  menu.addAction(tr("Copy image"), this, [this, row] { copyImage(row); });
  menu.addAction(tr("Copy settings"), this, [this, row] { copySettings(row); });
  menu.addAction(tr("Save as..."), this, [this, row] { saveImageAs(row); });
  menu.addAction(tr("Save enlarged (%1\u00d7, nearest)...").arg(kViewingUpscale), this,
                 [this, row] { saveImageUpscaledAs(row); });
  menu.addAction(tr("Open output folder"), this, &MainWindow::openOutputFolder);
  menu.addSeparator();
  menu.addAction(tr("Use these settings"), this, [this, row] {
    applySettings(history_->entryAt(row).outcome->result.settings, true);
    statusBar()->showMessage(tr("Settings restored"), 5000);
  });
  menu.exec(view->mapToGlobal(pos));
}

QString MainWindow::shortcutsText() const {
  QStringList lines;
  for (const QAction* a : findChildren<QAction*>()) {
    if (a->shortcuts().isEmpty() || a->text().isEmpty()) continue;
    QStringList keys;
    for (const QKeySequence& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
    QString text = a->text();
    text.remove(QLatin1Char('&'));
    lines << tr("%1\t%2").arg(keys.join(QStringLiteral(", ")), text);
  }
  lines.sort();
  lines << tr("Ctrl+wheel, +, -\tzoom the image; 0: fit; 1: actual size; drag to pan");
  lines << tr("Drop an image on the window\trestore its settings");
  return lines.join(QLatin1Char('\n'));
}

void MainWindow::showProgressOutside(int percent) {
  // The Generate tab may be hidden behind Compare or History, or the window minimized.
  const QString title = tr("DRiffusion Studio");
  setWindowTitle(percent < 0 ? title : tr("%1% \u00b7 %2").arg(percent).arg(title));
  progress_label_->setText(percent < 0 ? QString() : tr("Generating: %1%").arg(percent));
}

}  // namespace drf::ui
