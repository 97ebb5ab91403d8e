// The queue dock: the running job, the waiting jobs (double-click edits a prompt), and buttons
// to reorder, remove or clear them.
#pragma once
#include <QWidget>

class QLabel;
class QListView;
class QPushButton;

namespace drf::ui {

class QueueModel;

class QueueView : public QWidget {
  Q_OBJECT
 public:
  explicit QueueView(QueueModel* model, QWidget* parent = nullptr);

  void setRunning(const QString& description);  // empty: idle
  QListView* listView() const { return list_; }

 private:
  void moveSelected(int delta);
  void removeSelected();
  void updateButtons();

  QueueModel* model_;
  QLabel* running_;
  QListView* list_;
  QPushButton* up_;
  QPushButton* down_;
  QPushButton* remove_;
  QPushButton* clear_;
};

}  // namespace drf::ui
