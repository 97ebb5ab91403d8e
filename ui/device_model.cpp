#include "ui/device_model.h"

#include <algorithm>

namespace drf::ui {
namespace {

QString gib(std::size_t bytes) { return QString::number(static_cast<double>(bytes) / (1024.0 * 1024 * 1024), 'f', 1); }

}  // namespace

DeviceModel::DeviceModel(QObject* parent) : QAbstractListModel(parent) {}

int DeviceModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : entries_.size(); }

QVariant DeviceModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Entry& e = entries_.at(index.row());
  const QString name = QString::fromStdString(e.info.name);
  switch (role) {
    case Qt::DisplayRole:
      // "CPU (2 threads)"; that no GPU was found is said in the tooltip and the parallelism panel
      // (the longer line was cut to "CPU (2 th..." in the list).
      if (e.info.index < 0) return name;
      return tr("GPU %1: %2 - %3 of %4 GiB free")
          .arg(e.info.index)
          .arg(name, gib(e.info.memory_free), gib(e.info.memory_total));
    case Qt::CheckStateRole: return e.checked ? Qt::Checked : Qt::Unchecked;
    case Qt::ToolTipRole:
      if (e.info.index >= 0) return tr("CUDA device %1 (%2)").arg(e.info.index).arg(name);
      return hasGpu() ? tr("Run on the CPU") : tr("Run on the CPU (no CUDA GPU was found)");
    case DeviceIndexRole: return e.info.index;
    default: return {};
  }
}

bool DeviceModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::CheckStateRole || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return false;
  const bool check = value.toInt() == Qt::Checked;
  Entry& e = entries_[index.row()];
  if (e.checked == check) return true;
  if (!check && checkedCount() == 1) return false;  // something must stay selected
  e.checked = check;
  if (check) {
    // GPUs and CPU are exclusive: checking one kind clears the other.
    const bool cpu = e.info.index < 0;
    for (int r = 0; r < entries_.size(); ++r)
      if (r != index.row() && (entries_[r].info.index < 0) != cpu && entries_[r].checked) {
        entries_[r].checked = false;
        Q_EMIT dataChanged(this->index(r), this->index(r), {Qt::CheckStateRole});
      }
  }
  Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
  Q_EMIT checkedChanged();
  return true;
}

Qt::ItemFlags DeviceModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable | Qt::ItemNeverHasChildren;
}

void DeviceModel::setDevices(const std::vector<DeviceInfo>& devices) {
  const std::vector<int> previous = checkedCudaDevices();
  const bool hadEntries = !entries_.isEmpty();
  beginResetModel();
  entries_.clear();
  for (const DeviceInfo& d : devices) entries_.append({d, false});
  endResetModel();
  if (hadEntries)
    setCheckedCudaDevices(previous);
  else
    ensureOneChecked();
  Q_EMIT checkedChanged();
}

std::vector<int> DeviceModel::checkedCudaDevices() const {
  std::vector<int> out;
  for (const Entry& e : entries_)
    if (e.checked && e.info.index >= 0) out.push_back(e.info.index);
  return out;
}

int DeviceModel::checkedCount() const {
  return static_cast<int>(std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.checked; }));
}

bool DeviceModel::hasGpu() const {
  return std::any_of(entries_.begin(), entries_.end(), [](const Entry& e) { return e.info.index >= 0; });
}

void DeviceModel::setCheckedCudaDevices(const std::vector<int>& devices) {
  for (Entry& e : entries_)
    e.checked = e.info.index >= 0 ? std::find(devices.begin(), devices.end(), e.info.index) != devices.end()
                                  : devices.empty();
  ensureOneChecked();
  if (!entries_.isEmpty()) Q_EMIT dataChanged(index(0), index(entries_.size() - 1), {Qt::CheckStateRole});
  Q_EMIT checkedChanged();
}

void DeviceModel::ensureOneChecked() {
  if (entries_.isEmpty() || checkedCount() > 0) return;
  // Default: every GPU; the CPU only when there is no GPU.
  for (Entry& e : entries_) e.checked = hasGpu() ? e.info.index >= 0 : true;
  Q_EMIT dataChanged(index(0), index(entries_.size() - 1), {Qt::CheckStateRole});
}

}  // namespace drf::ui
