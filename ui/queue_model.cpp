#include "ui/queue_model.h"

#include "ui/job_description.h"

namespace drf::ui {

QueueModel::QueueModel(QObject* parent) : QAbstractListModel(parent) {}

int QueueModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : jobs_.size(); }

QVariant QueueModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const JobRequest& job = jobs_.at(index.row());
  switch (role) {
    case Qt::DisplayRole: return jobSummary(job);
    case Qt::EditRole: return QString::fromStdString(job.settings.prompt);
    case Qt::ToolTipRole:
      return tr("%1\n\nDouble-click to edit the prompt.").arg(QString::fromStdString(job.settings.prompt));
    case JobIdRole: return job.id;
    case JobKindRole: return static_cast<int>(job.kind);
    default: return {};
  }
}

bool QueueModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return false;
  jobs_[index.row()].settings.prompt = value.toString().toStdString();
  Q_EMIT dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole, Qt::ToolTipRole});
  return true;
}

Qt::ItemFlags QueueModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

bool QueueModel::removeRows(int row, int count, const QModelIndex& parent) {
  if (parent.isValid() || row < 0 || count < 1 || row + count > jobs_.size()) return false;
  beginRemoveRows(parent, row, row + count - 1);
  jobs_.erase(jobs_.begin() + row, jobs_.begin() + row + count);
  endRemoveRows();
  return true;
}

bool QueueModel::moveRows(const QModelIndex& sourceParent, int sourceRow, int count,
                          const QModelIndex& destinationParent, int destinationChild) {
  if (sourceParent.isValid() || destinationParent.isValid() || count != 1 || sourceRow < 0 ||
      sourceRow >= jobs_.size() || destinationChild < 0 || destinationChild > jobs_.size())
    return false;
  if (destinationChild == sourceRow || destinationChild == sourceRow + 1) return false;  // no-op move
  if (!beginMoveRows(sourceParent, sourceRow, sourceRow, destinationParent, destinationChild)) return false;
  // beginMoveRows counts the destination before removal; QList::move wants the final position.
  jobs_.move(sourceRow, destinationChild > sourceRow ? destinationChild - 1 : destinationChild);
  endMoveRows();
  return true;
}

void QueueModel::enqueue(const JobRequest& job) {
  beginInsertRows(QModelIndex(), jobs_.size(), jobs_.size());
  jobs_.append(job);
  endInsertRows();
}

JobRequest QueueModel::takeFirst() {
  beginRemoveRows(QModelIndex(), 0, 0);
  JobRequest job = jobs_.takeFirst();
  endRemoveRows();
  return job;
}

void QueueModel::clear() {
  if (jobs_.isEmpty()) return;
  beginResetModel();
  jobs_.clear();
  endResetModel();
}

}  // namespace drf::ui
