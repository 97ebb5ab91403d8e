// The history gallery: thumbnails of this session's results; the selected one is shown large
// with its prompt, settings, timings and file, and can restore its settings or be saved
// elsewhere (for instance after the automatic save failed).
#pragma once
#include <QWidget>

#include "core/engine/settings.h"

class QLabel;
class QListView;
class QPushButton;

namespace drf::ui {

class HistoryModel;
class PreviewView;

class HistoryView : public QWidget {
  Q_OBJECT
 public:
  explicit HistoryView(HistoryModel* model, QWidget* parent = nullptr);

  int currentRow() const;
  void selectRow(int row);
  QListView* listView() const { return list_; }
  PreviewView* preview() const { return preview_; }
  QString detailsText() const;

 Q_SIGNALS:
  void useSettingsRequested(const drf::GenerationSettings& settings);
  void saveAsRequested(int row);
  void currentEntryChanged(int row);  // -1 when nothing is selected

 private:
  void showCurrent();

  HistoryModel* model_;
  QListView* list_;
  PreviewView* preview_;
  QLabel* details_;
  QPushButton* use_settings_;
  QPushButton* save_as_;
};

}  // namespace drf::ui
