// The devices generation can use, with check boxes. GPUs and the CPU are exclusive (the
// engine runs on CUDA devices or on the CPU, not both) and at least one entry stays checked.
#pragma once
#include <QAbstractListModel>
#include <QList>
#include <vector>

#include "core/engine/engine.h"

namespace drf::ui {

class DeviceModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Roles { DeviceIndexRole = Qt::UserRole + 1 };
  explicit DeviceModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  // Replaces the list; keeps the checked CUDA devices that still exist, else checks all GPUs
  // (or the CPU when there is none).
  void setDevices(const std::vector<DeviceInfo>& devices);
  std::vector<int> checkedCudaDevices() const;  // empty = CPU
  int checkedCount() const;
  void setCheckedCudaDevices(const std::vector<int>& devices);  // empty = CPU
  bool hasGpu() const;

 Q_SIGNALS:
  void checkedChanged();

 private:
  struct Entry {
    DeviceInfo info;
    bool checked = false;
  };
  void ensureOneChecked();
  QList<Entry> entries_;
};

}  // namespace drf::ui
