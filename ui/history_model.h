// Results of this session, newest first: thumbnail, prompt, settings and timings, and where
// the image was saved (or why saving failed, so it can be saved elsewhere). Bounded: the
// oldest entries are dropped past `capacity` (images stay on disk in the output folder).
#pragma once
#include <QAbstractListModel>
#include <QDateTime>
#include <QList>

#include "ui/job_types.h"

namespace drf::ui {

struct HistoryEntry {
  int id = 0;
  QDateTime time;
  OutcomePtr outcome;
  QImage thumbnail;
  QString saved_path;   // empty when not saved
  QString save_error;   // why the automatic save failed
  double measured_speedup = 0;  // 0 = unknown
};

class HistoryModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Roles {
    EntryIdRole = Qt::UserRole + 1,
    PromptRole,
    SettingsRole,   // settingsSummary() text
    TimingRole,     // "1.23 s, 26 latencies, 1.92x theoretical"
    SavedPathRole,
    SaveErrorRole,
  };
  static constexpr int kThumbnailSize = 96;
  explicit HistoryModel(QObject* parent = nullptr, int capacity = 64);

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool removeRows(int row, int count, const QModelIndex& parent = QModelIndex()) override;
  QHash<int, QByteArray> roleNames() const override;

  // Inserts at the top and returns the entry's id.
  int add(const OutcomePtr& outcome, const QString& savedPath, const QString& saveError, double measuredSpeedup = 0,
          const QDateTime& time = QDateTime());  // time: now when not given
  int rowOfPath(const QString& savedPath) const;  // -1 when no entry was saved there
  const HistoryEntry& entryAt(int row) const { return entries_.at(row); }
  int rowOf(int id) const;  // -1 when gone
  void setSaved(int row, const QString& path);
  void clear();

 private:
  QList<HistoryEntry> entries_;
  int capacity_;
  int next_id_ = 1;
};

}  // namespace drf::ui
