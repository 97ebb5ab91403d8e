#include "ui/queue_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/queue_model.h"

namespace drf::ui {

QueueView::QueueView(QueueModel* model, QWidget* parent)
    : QWidget(parent),
      model_(model),
      running_(new QLabel),
      list_(new QListView),
      up_(new QPushButton(tr("Up"))),
      down_(new QPushButton(tr("Down"))),
      remove_(new QPushButton(tr("Remove"))),
      clear_(new QPushButton(tr("Clear"))) {
  list_->setObjectName(QStringLiteral("queueList"));
  running_->setObjectName(QStringLiteral("queueRunning"));
  remove_->setObjectName(QStringLiteral("queueRemoveButton"));
  list_->setModel(model_);
  list_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  running_->setWordWrap(true);
  list_->setToolTip(tr("Jobs waiting to run; double-click one to edit its prompt"));
  up_->setToolTip(tr("Run the selected job earlier"));
  down_->setToolTip(tr("Run the selected job later"));
  remove_->setToolTip(tr("Remove the selected job from the queue"));
  clear_->setToolTip(tr("Remove every waiting job (the running one continues; Esc cancels it)"));
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {up_, down_, remove_, clear_}) buttons->addWidget(b);
  buttons->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(running_);
  layout->addWidget(list_, 1);
  layout->addLayout(buttons);
  setRunning(QString());

  connect(up_, &QPushButton::clicked, this, [this] { moveSelected(-1); });
  connect(down_, &QPushButton::clicked, this, [this] { moveSelected(+1); });
  connect(remove_, &QPushButton::clicked, this, &QueueView::removeSelected);
  connect(clear_, &QPushButton::clicked, model_, &QueueModel::clear);
  connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, &QueueView::updateButtons);
  connect(model_, &QAbstractItemModel::rowsInserted, this, &QueueView::updateButtons);
  connect(model_, &QAbstractItemModel::rowsRemoved, this, &QueueView::updateButtons);
  connect(model_, &QAbstractItemModel::modelReset, this, &QueueView::updateButtons);
  updateButtons();
}

void QueueView::setRunning(const QString& description) {
  running_->setText(description.isEmpty() ? tr("Idle. Jobs submitted while one runs wait here.")
                                          : tr("Running: %1").arg(description));
}

void QueueView::moveSelected(int delta) {
  const int row = list_->currentIndex().row();
  if (row < 0) return;
  const int target = row + delta;
  if (target < 0 || target >= model_->rowCount()) return;
  // moveRows' destination is the row the item is inserted before (counted before removal).
  model_->moveRows(QModelIndex(), row, 1, QModelIndex(), delta > 0 ? target + 1 : target);
  list_->setCurrentIndex(model_->index(target));
}

void QueueView::removeSelected() {
  const int row = list_->currentIndex().row();
  if (row >= 0) model_->removeRows(row, 1);
}

void QueueView::updateButtons() {
  const bool selected = list_->currentIndex().isValid();
  up_->setEnabled(selected);
  down_->setEnabled(selected);
  remove_->setEnabled(selected);
  clear_->setEnabled(model_->rowCount() > 0);
}

}  // namespace drf::ui
