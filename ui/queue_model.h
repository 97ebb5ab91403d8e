// The jobs waiting for the worker: visible in the queue dock, reorderable, removable, and
// their prompt editable in place (EditRole). The running job is not in here.
#pragma once
#include <QAbstractListModel>
#include <QList>

#include "ui/job_types.h"

namespace drf::ui {

class QueueModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Roles { JobIdRole = Qt::UserRole + 1, JobKindRole };
  explicit QueueModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool removeRows(int row, int count, const QModelIndex& parent = QModelIndex()) override;
  bool moveRows(const QModelIndex& sourceParent, int sourceRow, int count, const QModelIndex& destinationParent,
                int destinationChild) override;

  void enqueue(const JobRequest& job);
  bool isEmpty() const { return jobs_.isEmpty(); }
  JobRequest takeFirst();  // precondition: !isEmpty()
  const JobRequest& jobAt(int row) const { return jobs_.at(row); }
  void clear();

 private:
  QList<JobRequest> jobs_;
};

}  // namespace drf::ui
