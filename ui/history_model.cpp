#include "ui/history_model.h"

#include <QLocale>

#include "ui/job_description.h"

namespace drf::ui {

HistoryModel::HistoryModel(QObject* parent, int capacity) : QAbstractListModel(parent), capacity_(std::max(1, capacity)) {}

int HistoryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : entries_.size(); }

QVariant HistoryModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const HistoryEntry& e = entries_.at(index.row());
  const GenerationResult& r = e.outcome->result;
  switch (role) {
    case Qt::DisplayRole: return elidedPrompt(r.settings.prompt, 28);
    case Qt::DecorationRole: return e.thumbnail;
    case Qt::ToolTipRole:
      return tr("%1\n%2\n%3\n%4")
          .arg(QString::fromStdString(r.settings.prompt), settingsSummary(r.settings),
               data(index, TimingRole).toString(),
               e.saved_path.isEmpty() ? tr("not saved: %1").arg(e.save_error) : e.saved_path);
    case EntryIdRole: return e.id;
    case PromptRole: return QString::fromStdString(r.settings.prompt);
    case SettingsRole: return settingsSummary(r.settings);
    case TimingRole: {
      // An image found in the output folder: its timings were not recorded in this session.
      if (r.stats.total_ms <= 0) return tr("from the output folder, %1").arg(QLocale().toString(e.time, QLocale::ShortFormat));
      QString t = tr("%1 s, %2 of %3 latencies, %4\u00d7 theoretical")
                      .arg(r.stats.total_ms / 1000.0, 0, 'f', 2)
                      .arg(r.stats.serial_latencies)
                      .arg(r.stats.sequential_latencies)
                      .arg(r.stats.theoretical_speedup, 0, 'f', 2);
      if (e.measured_speedup > 0) t += tr(", %1\u00d7 measured").arg(e.measured_speedup, 0, 'f', 2);
      return t;
    }
    case SavedPathRole: return e.saved_path;
    case SaveErrorRole: return e.save_error;
    default: return {};
  }
}

bool HistoryModel::removeRows(int row, int count, const QModelIndex& parent) {
  if (parent.isValid() || row < 0 || count < 1 || row + count > entries_.size()) return false;
  beginRemoveRows(parent, row, row + count - 1);
  entries_.erase(entries_.begin() + row, entries_.begin() + row + count);
  endRemoveRows();
  return true;
}

QHash<int, QByteArray> HistoryModel::roleNames() const {
  QHash<int, QByteArray> names = QAbstractListModel::roleNames();
  names.insert(PromptRole, "prompt");
  names.insert(SettingsRole, "settings");
  names.insert(TimingRole, "timing");
  names.insert(SavedPathRole, "savedPath");
  names.insert(SaveErrorRole, "saveError");
  return names;
}

int HistoryModel::add(const OutcomePtr& outcome, const QString& savedPath, const QString& saveError,
                      double measuredSpeedup, const QDateTime& time) {
  HistoryEntry e;
  e.id = next_id_++;
  e.time = time.isValid() ? time : QDateTime::currentDateTime();
  e.outcome = outcome;
  e.thumbnail = outcome->image.scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio,
                                      outcome->image.width() > kThumbnailSize ? Qt::SmoothTransformation
                                                                              : Qt::FastTransformation);
  e.saved_path = savedPath;
  e.save_error = saveError;
  e.measured_speedup = measuredSpeedup;
  beginInsertRows(QModelIndex(), 0, 0);
  entries_.prepend(e);
  endInsertRows();
  if (entries_.size() > capacity_) removeRows(capacity_, entries_.size() - capacity_);
  return e.id;
}

int HistoryModel::rowOfPath(const QString& savedPath) const {
  for (int r = 0; r < entries_.size(); ++r)
    if (!savedPath.isEmpty() && entries_.at(r).saved_path == savedPath) return r;
  return -1;
}

int HistoryModel::rowOf(int id) const {
  for (int r = 0; r < entries_.size(); ++r)
    if (entries_.at(r).id == id) return r;
  return -1;
}

void HistoryModel::setSaved(int row, const QString& path) {
  if (row < 0 || row >= entries_.size()) return;
  entries_[row].saved_path = path;
  entries_[row].save_error.clear();
  const QModelIndex i = index(row);
  Q_EMIT dataChanged(i, i, {Qt::ToolTipRole, SavedPathRole, SaveErrorRole});
}

void HistoryModel::clear() {
  if (entries_.isEmpty()) return;
  beginResetModel();
  entries_.clear();
  endResetModel();
}

}  // namespace drf::ui
